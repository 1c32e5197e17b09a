import { describe, expect, it } from '@jest/globals';
import { nextLink, parseLinks } from './link.js';

const base = 'https://registry.example.com/v2/a/tags/list?n=2';

describe('parseLinks', () => {
  it('resolves a relative next link against the request URL (Distribution, Berth)', () => {
    expect(nextLink('</v2/_catalog?last=client%2Fchunked&n=1>; rel="next"', base)).toBe(
      'https://registry.example.com/v2/_catalog?last=client%2Fchunked&n=1',
    );
  });

  it('keeps an absolute next link (another host, e.g. GHCR or a CDN)', () => {
    expect(nextLink('<https://other.example.com/v2/a/tags/list?last=b>; rel=next', base)).toBe(
      'https://other.example.com/v2/a/tags/list?last=b',
    );
  });

  it('reads several links and several relations, in any case and spacing', () => {
    const links = parseLinks('</p?1>;rel="prev" , </n?3> ; title="a, b; c" ; REL="next last"', base);
    expect(links).toEqual([
      { url: 'https://registry.example.com/p?1', rel: ['prev'] },
      { url: 'https://registry.example.com/n?3', rel: ['next', 'last'] },
    ]);
  });

  it('has no next on the last page or for garbage', () => {
    expect(nextLink(null, base)).toBeUndefined();
    expect(nextLink('', base)).toBeUndefined();
    expect(nextLink('</p>; rel="prev"', base)).toBeUndefined();
    expect(nextLink('rel="next"', base)).toBeUndefined();
    expect(nextLink('<http://[bad>; rel="next"', base)).toBeUndefined();
  });
});
