import { describe, expect, it } from '@jest/globals';
import { RegistryError } from './errors.js';
import {
  assertRepositoryName,
  assertTag,
  isValidRepositoryName,
  isValidTag,
  MAX_NAME_LENGTH,
  projectOf,
} from './names.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** A name of exactly `length` characters made of two-character path components. */
function nameOfLength(length: number): string {
  const name = Array.from({ length: Math.ceil(length / 2) }, () => 'a/')
    .join('')
    .slice(0, length);
  return name.endsWith('/') ? `${name.slice(0, -2)}ab` : name;
}

describe('repository names', () => {
  it('MAX_NAME_LENGTH is 255', () => {
    expect(MAX_NAME_LENGTH).toBe(255);
  });

  it.each([
    ['single char', 'a'],
    ['single digit', '0'],
    ['simple', 'library'],
    ['two components', 'library/ubuntu'],
    ['many components', 'a/b/c/d/e/f/g'],
    ['digits', '123/456'],
    ['dot separator', 'my.app'],
    ['single underscore', 'my_app'],
    ['double underscore', 'my__app'],
    ['one dash', 'my-app'],
    ['many dashes', 'my---app'],
    ['mixed separators', 'a.b_c__d-e--f'],
    ['separators in each component', 'team-a/my_app.v2/x__y'],
    ['255 chars (the limit)', nameOfLength(255)],
    ['255 chars, one component', 'a'.repeat(255)],
  ])('accepts %s', (_label, name) => {
    expect(isValidRepositoryName(name)).toBe(true);
    expect(assertRepositoryName(name)).toBe(name);
  });

  it.each([
    ['empty', ''],
    ['uppercase', 'Library'],
    ['uppercase component', 'library/Ubuntu'],
    ['all uppercase', 'UBUNTU'],
    ['dot-dot component', 'a/../b'],
    ['dot-dot only', '..'],
    ['dot component', 'a/./b'],
    ['leading dot-dot', '../etc/passwd'],
    ['double dot separator', 'a..b'],
    ['leading slash', '/library'],
    ['trailing slash', 'library/'],
    ['double slash', 'library//ubuntu'],
    ['only a slash', '/'],
    ['leading dot', '.app'],
    ['trailing dot', 'app.'],
    ['leading dash', '-app'],
    ['trailing dash', 'app-'],
    ['leading underscore', '_app'],
    ['trailing underscore', 'app_'],
    ['triple underscore', 'my___app'],
    ['dot then dash', 'a.-b'],
    ['dash then dot', 'a-.b'],
    ['underscore then dash', 'a_-b'],
    ['component starting with separator', 'library/-ubuntu'],
    ['component ending with separator', 'library-/ubuntu'],
    ['256 chars', nameOfLength(256)],
    ['256 chars, one component', 'a'.repeat(256)],
    ['huge', 'a'.repeat(100_000)],
    ['space', 'my app'],
    ['leading space', ' app'],
    ['trailing newline', 'app\n'],
    ['tab', 'a\tb'],
    ['colon (a tag)', 'library/ubuntu:latest'],
    ['at sign (a digest)', 'library/ubuntu@sha256'],
    ['backslash', 'library\\ubuntu'],
    ['percent-encoded slash', 'library%2fubuntu'],
    ['plus', 'a+b'],
    ['tilde', '~user'],
    ['unicode letter', 'café'],
    ['unicode lookalike (Cyrillic a)', 'аpp'],
    ['emoji', 'app🐳'],
    ['fullwidth letter', 'ａpp'],
    ['zero-width space', 'a\u200bb'],
    ['NUL byte', 'a\u0000b'],
  ])('refuses %s with NAME_INVALID', (_label, name) => {
    expect(isValidRepositoryName(name)).toBe(false);
    const error = thrown(() => assertRepositoryName(name));
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ kind: 'NAME_INVALID', code: 'NAME_INVALID', status: 400 });
  });

  it('the helper builds names of the requested length', () => {
    expect(nameOfLength(255)).toHaveLength(255);
    expect(nameOfLength(256)).toHaveLength(256);
  });

  it('keeps the error message bounded for huge names', () => {
    const error = thrown(() => assertRepositoryName('A'.repeat(100_000))) as RegistryError;
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('tags', () => {
  it.each([
    ['latest', 'latest'],
    ['single char', 'a'],
    ['single digit', '1'],
    ['single underscore', '_'],
    ['leading underscore', '_internal'],
    ['semver', '1.2.3'],
    ['semver with prerelease', 'v1.2.3-rc.1'],
    ['uppercase', 'LATEST'],
    ['mixed case', 'Release-2024_01'],
    ['trailing dot', 'v1.'],
    ['trailing dash', 'v1-'],
    ['consecutive separators', 'a..b--c__d'],
    ['referrers tag schema', 'sha256-6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b'],
    ['128 chars (the limit)', 'a'.repeat(128)],
    ['128 chars with separators', `a${'.-_'.repeat(42)}b`],
  ])('accepts %s', (_label, tag) => {
    expect(isValidTag(tag)).toBe(true);
    expect(assertTag(tag)).toBe(tag);
  });

  it.each([
    ['empty', ''],
    ['129 chars', 'a'.repeat(129)],
    ['huge', 'a'.repeat(100_000)],
    ['leading dot', '.hidden'],
    ['leading dash', '-v1'],
    ['only a dot', '.'],
    ['only a dash', '-'],
    ['slash', 'feature/x'],
    ['colon', 'v1:2'],
    ['at sign', 'v1@2'],
    ['plus (semver build metadata)', '1.0.0+build'],
    ['space', 'my tag'],
    ['trailing newline', 'latest\n'],
    ['a digest', 'sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b'],
    ['unicode letter', 'versión'],
    ['emoji', '🐳'],
    ['NUL byte', 'v1\u0000'],
  ])('refuses %s with TAG_INVALID', (_label, tag) => {
    expect(isValidTag(tag)).toBe(false);
    const error = thrown(() => assertTag(tag));
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ kind: 'TAG_INVALID', code: 'MANIFEST_INVALID', status: 400 });
  });

  it('keeps the error message bounded for huge tags', () => {
    const error = thrown(() => assertTag('-'.repeat(100_000))) as RegistryError;
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('projectOf', () => {
  it.each([
    ['library', 'library'],
    ['library/ubuntu', 'library'],
    ['team-a/apps/web', 'team-a'],
    ['a/b', 'a'],
  ])('%s belongs to project %s', (repository, project) => {
    expect(projectOf(repository)).toBe(project);
  });
});
