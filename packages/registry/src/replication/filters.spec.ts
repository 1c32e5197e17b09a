import { describe, expect, it } from '@jest/globals';
import { destinationName, globToRegExp, inNamespace, matchesFilters } from './filters.js';

describe('globToRegExp', () => {
  const match = (glob: string, value: string) => globToRegExp(glob).test(value);

  it('* matches within one segment only', () => {
    expect(match('src/*', 'src/app')).toBe(true);
    expect(match('src/*', 'src/a/b')).toBe(false);
    expect(match('src/app*', 'src/app-two')).toBe(true);
    expect(match('src/app*', 'src/other')).toBe(false);
    expect(match('*', '')).toBe(true);
  });

  it('** matches across segments', () => {
    expect(match('src/**', 'src/a/b/c')).toBe(true);
    expect(match('src/**', 'other/a')).toBe(false);
    expect(match('**', 'a/b')).toBe(true);
    expect(match('src/**/app', 'src/app')).toBe(true);
    expect(match('src/**/app', 'src/x/y/app')).toBe(true);
  });

  it('? matches one character but a slash', () => {
    expect(match('v1.?', 'v1.2')).toBe(true);
    expect(match('v1.?', 'v1.22')).toBe(false);
    expect(match('a?b', 'a/b')).toBe(false);
  });

  it('{a,b} are alternatives, globs inside', () => {
    expect(match('{v1,v2}*', 'v2.0')).toBe(true);
    expect(match('{v1,v2}*', 'v3.0')).toBe(false);
    expect(match('src/{app,web/*}', 'src/web/x')).toBe(true);
    expect(match('{a,{b,c}}', 'c')).toBe(true);
    expect(match('x{,y}', 'x')).toBe(true);
  });

  it('takes every other character literally', () => {
    expect(match('v1.0', 'v1x0')).toBe(false);
    expect(match('a+b(c)[d]$^|', 'a+b(c)[d]$^|')).toBe(true);
  });

  it('refuses unbalanced braces', () => {
    expect(() => globToRegExp('{a,b')).toThrow(/unbalanced/);
  });
});

describe('matchesFilters', () => {
  it('matches the full name, project included, and the tag', () => {
    const filters = { repository: 'src/app*', tag: 'v1*' };
    expect(matchesFilters('src/app', 'v1.0', filters)).toBe(true);
    expect(matchesFilters('src/app2', 'v1.1', filters)).toBe(true);
    expect(matchesFilters('src/app', 'v2.0', filters)).toBe(false);
    expect(matchesFilters('src/web', 'v1.0', filters)).toBe(false);
    expect(matchesFilters('app', 'v1.0', filters)).toBe(false);
  });

  it('a null or empty filter passes everything', () => {
    expect(matchesFilters('a/b', 'latest', { repository: null, tag: null })).toBe(true);
    expect(matchesFilters('a/b', 'latest', { repository: '', tag: 'lat*' })).toBe(true);
  });
});

describe('destinationName', () => {
  it('replaces the first path segment', () => {
    expect(destinationName('src/app', 'mirror')).toBe('mirror/app');
    expect(destinationName('src/a/b', 'mirror')).toBe('mirror/a/b');
    expect(destinationName('app', 'mirror')).toBe('mirror/app');
  });

  it('keeps the name without a namespace', () => {
    expect(destinationName('src/app')).toBe('src/app');
    expect(destinationName('src/app', null)).toBe('src/app');
    expect(destinationName('src/app', '')).toBe('src/app');
  });

  it('keeps the name without a namespace whatever the flattening', () => {
    for (const flattening of ['none', 1, 2, 'all'] as const) {
      expect(destinationName('src/a/b', null, flattening)).toBe('src/a/b');
      expect(destinationName('src/a/b', '', flattening)).toBe('src/a/b');
    }
  });

  it('flattens none, 1, 2 or all leading segments into the namespace', () => {
    expect(destinationName('src/a/b', 'mirror', 'none')).toBe('mirror/src/a/b');
    expect(destinationName('src/a/b', 'mirror', 1)).toBe('mirror/a/b');
    expect(destinationName('src/a/b', 'mirror', 2)).toBe('mirror/b');
    expect(destinationName('src/a/b', 'mirror', 'all')).toBe('mirror/b');
    expect(destinationName('src/a/b/c/d', 'mirror', 2)).toBe('mirror/b/c/d');
    expect(destinationName('src/a/b/c/d', 'mirror', 'all')).toBe('mirror/d');
  });

  it('defaults to 1 level, the naming before flattening existed', () => {
    expect(destinationName('src/a/b', 'mirror')).toBe(destinationName('src/a/b', 'mirror', 1));
  });

  it('keeps at least the last segment when a name is shorter than the level', () => {
    expect(destinationName('src/app', 'mirror', 2)).toBe('mirror/app');
    expect(destinationName('src/app', 'mirror', 'all')).toBe('mirror/app');
    expect(destinationName('app', 'mirror', 'none')).toBe('mirror/app');
    expect(destinationName('app', 'mirror', 1)).toBe('mirror/app');
    expect(destinationName('app', 'mirror', 2)).toBe('mirror/app');
    expect(destinationName('app', 'mirror', 'all')).toBe('mirror/app');
  });
});

describe('inNamespace', () => {
  it('checks the first path segment', () => {
    expect(inNamespace('upstream/base', 'upstream')).toBe(true);
    expect(inNamespace('upstreamer/base', 'upstream')).toBe(false);
    expect(inNamespace('anything', null)).toBe(true);
  });
});
