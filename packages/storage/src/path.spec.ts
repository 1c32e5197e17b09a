import { describe, expect, it } from '@jest/globals';
import { InvalidPathError } from './errors.js';
import {
  assertAnyPath,
  assertObjectPath,
  childOf,
  isValidSegment,
  isWithin,
  MAX_PATH_LENGTH,
  parentOf,
  segmentsOf,
} from './path.js';
import { showInput } from './testsuite/driver-fixture.js';
import { HOSTILE_PATHS } from './testsuite/hostile-paths.conformance.js';

const HOSTILE_ROWS = HOSTILE_PATHS.map((path) => [showInput(path), path] as const);

function reason(check: (path: unknown) => void, path: unknown): string | undefined {
  try {
    check(path);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidPathError) return error.reason;
    throw error;
  }
}

describe('assertObjectPath', () => {
  it.each(['/a', '/blobs/sha256/ab/abcdef/data', '/A.b_c-d/0', '/...', '/.hidden', `/${'a'.repeat(255)}`])(
    'accepts %s',
    (path) => {
      expect(() => assertObjectPath(path)).not.toThrow();
    },
  );

  it('accepts a path of exactly the maximum length, and refuses one character more', () => {
    const longest = `/${'a'.repeat(200)}`.repeat(5) + `/${'b'.repeat(MAX_PATH_LENGTH - 1005 - 1)}`;
    expect(longest).toHaveLength(MAX_PATH_LENGTH);
    expect(() => assertObjectPath(longest)).not.toThrow();
    expect(reason(assertObjectPath, `${longest}c`)).toMatch(/longer than 1024/);
  });

  it.each(HOSTILE_ROWS)('refuses %s', (_shown, path) => {
    expect(() => assertObjectPath(path)).toThrow(InvalidPathError);
  });

  it('refuses the root, which is a directory', () => {
    expect(reason(assertObjectPath, '/')).toMatch(/root/);
  });

  it('explains what is wrong', () => {
    expect(reason(assertObjectPath, 'a/b')).toMatch(/not absolute/);
    expect(reason(assertObjectPath, '/a//b')).toMatch(/empty segment/);
    expect(reason(assertObjectPath, '/a/..')).toMatch(/".." segment/);
    expect(reason(assertObjectPath, '/a/%2e')).toMatch(/outside/);
    expect(reason(assertObjectPath, `/${'a'.repeat(256)}`)).toMatch(/segment longer than 255/);
    expect(reason(assertObjectPath, 42)).toMatch(/not a string/);
  });

  it('keeps the offending path, escaped, in the message', () => {
    try {
      assertObjectPath('/a\0b');
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPathError);
      expect((error as InvalidPathError).path).toBe('/a\0b');
      expect((error as InvalidPathError).code).toBe('INVALID_PATH');
      expect((error as InvalidPathError).message).toContain('"/a\\u0000b"');
    }
  });
});

describe('assertAnyPath', () => {
  it('accepts the root and object paths', () => {
    expect(() => assertAnyPath('/')).not.toThrow();
    expect(() => assertAnyPath('/a/b')).not.toThrow();
  });

  it.each(HOSTILE_ROWS)('refuses %s', (_shown, path) => {
    expect(() => assertAnyPath(path)).toThrow(InvalidPathError);
  });
});

describe('isValidSegment', () => {
  it('matches the path grammar one segment at a time', () => {
    expect(['a', 'A.b_c-d', '...', '.x'].every(isValidSegment)).toBe(true);
    expect(['', '.', '..', 'a/b', 'a~tmp', 'lost+found', 'a b', 'x'.repeat(256)].some(isValidSegment)).toBe(
      false,
    );
  });
});

describe('path arithmetic', () => {
  it('splits, joins and finds parents', () => {
    expect(segmentsOf('/')).toEqual([]);
    expect(segmentsOf('/a/b')).toEqual(['a', 'b']);
    expect(parentOf('/a/b')).toBe('/a');
    expect(parentOf('/a')).toBe('/');
    expect(parentOf('/')).toBe('/');
    expect(childOf('/', 'a')).toBe('/a');
    expect(childOf('/a', 'b')).toBe('/a/b');
  });

  it('compares containment segment-wise', () => {
    expect(isWithin('/a/b', '/a')).toBe(true);
    expect(isWithin('/a', '/a')).toBe(true);
    expect(isWithin('/anything', '/')).toBe(true);
    expect(isWithin('/ab', '/a')).toBe(false);
    expect(isWithin('/a.b/c', '/a')).toBe(false);
    expect(isWithin('/a', '/a/b')).toBe(false);
  });
});
