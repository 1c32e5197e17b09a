import { describe, expect, it } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import { pageLinks, parsePaging } from './paging.js';

describe('parsePaging', () => {
  it('defaults to page 1 of 20', () => {
    expect(parsePaging(undefined)).toEqual({ page: 1, pageSize: 20 });
    expect(parsePaging({ page: '', pageSize: '', q: '', sort: '' })).toEqual({ page: 1, pageSize: 20 });
  });

  it('serves at most 100 per page', () => {
    expect(parsePaging({ pageSize: '1000' }).pageSize).toBe(100);
  });

  it('keeps q and sort', () => {
    expect(parsePaging({ page: '3', pageSize: '5', q: 'lib', sort: '-name' })).toEqual({
      page: 3,
      pageSize: 5,
      q: 'lib',
      sort: '-name',
    });
  });

  it.each([
    { page: '0' },
    { page: '-1' },
    { page: '1.5' },
    { page: 'abc' },
    { page: ['1', '2'] },
    { pageSize: '0' },
    { q: 'x'.repeat(256) },
    { q: 'a\u0000b' },
  ])('refuses %j with a 400 naming the parameter', (query) => {
    const name = Object.keys(query)[0]!;
    expect(() => parsePaging(query)).toThrow(BadRequestException);
    expect(() => parsePaging(query)).toThrow(new RegExp(`^${name} `));
  });
});

describe('pageLinks', () => {
  it('links the next page while items remain', () => {
    expect(pageLinks('/api/v1/users', 45, { page: 1, pageSize: 20 })).toBe(
      '</api/v1/users?page=2&pageSize=20>; rel="next"',
    );
  });

  it('links prev and next in the middle, keeping q and sort encoded', () => {
    expect(pageLinks('/api/v1/users', 45, { page: 2, pageSize: 20, q: 'a b', sort: '-name' })).toBe(
      '</api/v1/users?page=1&pageSize=20&q=a+b&sort=-name>; rel="prev", ' +
        '</api/v1/users?page=3&pageSize=20&q=a+b&sort=-name>; rel="next"',
    );
  });

  it('has no next link on the last page, and nothing for a single page', () => {
    expect(pageLinks('/p', 40, { page: 2, pageSize: 20 })).toBe('</p?page=1&pageSize=20>; rel="prev"');
    expect(pageLinks('/p', 3, { page: 1, pageSize: 20 })).toBeUndefined();
  });

  it('points prev at the last real page when asked past the end', () => {
    expect(pageLinks('/p', 30, { page: 9, pageSize: 20 })).toBe('</p?page=2&pageSize=20>; rel="prev"');
  });
});
