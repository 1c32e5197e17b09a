import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '../access/errors.js';
import { assertWindow, decodeCursor, encodeCursor, likePrefix } from './keyset.js';

describe('cursors', () => {
  it('round-trip the sort key they were made for', () => {
    const cursor = encodeCursor('-pushedAt', ['1765209600123456', '42']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, '-pushedAt', ['micros', 'id'])).toEqual(['1765209600123456', '42']);
    expect(decodeCursor(encodeCursor('name', ['demo/a b']), 'name', ['text'])).toEqual(['demo/a b']);
  });

  it('refuse a cursor of another sort, naming the sort it was made for', () => {
    const cursor = encodeCursor('digest', ['sha256:00']);
    expect(() => decodeCursor(cursor, 'name', ['text'])).toThrow(/sort=digest/);
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', Buffer.from('{').toString('base64url')],
    ['the wrong shape', Buffer.from('[1,2]').toString('base64url')],
    ['too many keys', encodeCursor('pushedAt', ['1', '2', '3'])],
    ['a non-numeric time', encodeCursor('pushedAt', ['yesterday', '2'])],
    ['an id that cannot be one', encodeCursor('pushedAt', ['1', '0'])],
    ['an id past the bigint range', encodeCursor('pushedAt', ['1', '9223372036854775808'])],
    [
      'a key that is not text',
      Buffer.from(JSON.stringify({ s: 'pushedAt', k: [1, 2] })).toString('base64url'),
    ],
    ['a huge cursor', encodeCursor('pushedAt', ['1'.repeat(1600), '2'])],
  ])('refuse %s with InvalidArgumentError', (_label, cursor) => {
    expect(() => decodeCursor(cursor, 'pushedAt', ['micros', 'id'])).toThrow(InvalidArgumentError);
  });

  it('refuse a text key with a NUL byte, which PostgreSQL text cannot hold', () => {
    expect(() => decodeCursor(encodeCursor('name', ['a\u0000b']), 'name', ['text'])).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('assertWindow', () => {
  it('turns a page into an offset, and ignores it after a cursor', () => {
    expect(assertWindow({ pageSize: 20, page: 3 })).toEqual({ limit: 20, offset: 40 });
    expect(assertWindow({ pageSize: 20, page: 3, cursor: 'x' })).toEqual({ limit: 20, offset: 0 });
    expect(() => assertWindow({ pageSize: 101 })).toThrow(InvalidArgumentError);
    expect(() => assertWindow({ pageSize: 10, page: 0 })).toThrow(InvalidArgumentError);
  });
});

describe('likePrefix', () => {
  it('escapes LIKE wildcards so they match themselves', () => {
    expect(likePrefix('v1_%\\')).toBe('v1\\_\\%\\\\%');
  });
});
