import { describe, expect, it } from '@jest/globals';
import {
  accessAllows,
  CATALOG_SCOPE,
  formatScope,
  formatScopes,
  isValidScopeName,
  MAX_SCOPES,
  parseScope,
  parseScopes,
  type ResourceScope,
} from './scope.js';

describe('parseScope', () => {
  it.each<[string, string, ResourceScope]>([
    [
      'a repository pull',
      'repository:foo/bar:pull',
      { type: 'repository', name: 'foo/bar', actions: ['pull'] },
    ],
    [
      'pull and push',
      'repository:samalba/my-app:pull,push',
      { type: 'repository', name: 'samalba/my-app', actions: ['pull', 'push'] },
    ],
    ['a wildcard', 'repository:foo/bar:*', { type: 'repository', name: 'foo/bar', actions: ['*'] }],
    ['delete', 'repository:foo/bar:delete', { type: 'repository', name: 'foo/bar', actions: ['delete'] }],
    [
      'a host:port name (actions after the LAST colon)',
      'repository:localhost:5000/foo/bar:pull,push',
      { type: 'repository', name: 'localhost:5000/foo/bar', actions: ['pull', 'push'] },
    ],
    [
      'a dotted host with port',
      'repository:registry.example.com:443/team/app:pull',
      { type: 'repository', name: 'registry.example.com:443/team/app', actions: ['pull'] },
    ],
    [
      'a host without port',
      'repository:Registry.Example.com/team/app:pull',
      { type: 'repository', name: 'Registry.Example.com/team/app', actions: ['pull'] },
    ],
    [
      'the deprecated resource class (dropped)',
      'repository(plugin):foo/bar:pull',
      { type: 'repository', name: 'foo/bar', actions: ['pull'] },
    ],
    ['the catalog', 'registry:catalog:*', { type: 'registry', name: 'catalog', actions: ['*'] }],
    [
      'separators in components',
      'repository:a.b_c__d---e/f:pull',
      { type: 'repository', name: 'a.b_c__d---e/f', actions: ['pull'] },
    ],
    [
      'a single-component name',
      'repository:alpine:pull',
      { type: 'repository', name: 'alpine', actions: ['pull'] },
    ],
    [
      'duplicate actions (deduplicated, order kept)',
      'repository:foo/bar:push,pull,push',
      { type: 'repository', name: 'foo/bar', actions: ['push', 'pull'] },
    ],
    [
      'empty items in the action list (ignored)',
      'repository:foo/bar:pull,,push,',
      { type: 'repository', name: 'foo/bar', actions: ['pull', 'push'] },
    ],
    [
      'unknown but well-formed actions (kept; permissions drop them)',
      'repository:foo/bar:pull,metadata',
      { type: 'repository', name: 'foo/bar', actions: ['pull', 'metadata'] },
    ],
  ])('parses %s', (_label, value, expected) => {
    expect(parseScope(value)).toEqual(expected);
  });

  it.each<[string, string, string]>([
    ['no colon', 'repository', 'malformed'],
    ['one colon', 'repository:foo/bar', 'malformed'],
    ['empty type', ':foo/bar:pull', 'malformed'],
    ['uppercase type', 'Repository:foo/bar:pull', 'malformed'],
    ['unclosed class', 'repository(plugin:foo/bar:pull', 'malformed'],
    ['empty class', 'repository():foo/bar:pull', 'malformed'],
    ['two classes', 'repository(a)(b):foo/bar:pull', 'malformed'],
    ['over-long scope', `repository:${'a/'.repeat(300)}a:pull`, 'malformed'],
    ['unknown type', 'namespace:foo:pull', 'unknown_type'],
    ['unknown type with a class', 'blob(x):foo:pull', 'unknown_type'],
    ['registry other than catalog', 'registry:everything:*', 'invalid_name'],
    ['empty name', 'repository::pull', 'invalid_name'],
    ['uppercase path component', 'repository:foo/Bar:pull', 'invalid_name'],
    ['uppercase single component', 'repository:Foo:pull', 'invalid_name'],
    ['leading slash', 'repository:/foo/bar:pull', 'invalid_name'],
    ['trailing slash', 'repository:foo/bar/:pull', 'invalid_name'],
    ['double slash', 'repository:foo//bar:pull', 'invalid_name'],
    ['a port without path', 'repository:localhost:5000:pull', 'invalid_name'],
    ['a non-numeric port', 'repository:localhost:abc/foo:pull', 'invalid_name'],
    ['two colons in the name', 'repository:a:1/b:2/c:pull', 'invalid_name'],
    ['a tag-like suffix', 'repository:foo/bar:latest:pull', 'invalid_name'],
    ['a leading separator', 'repository:-foo/bar:pull', 'invalid_name'],
    ['a 256-character name', `repository:${'a'.repeat(256)}:pull`, 'invalid_name'],
    ['no actions', 'repository:foo/bar:', 'invalid_actions'],
    ['only commas', 'repository:foo/bar:,,', 'invalid_actions'],
    ['uppercase action', 'repository:foo/bar:PULL', 'invalid_actions'],
    ['action with digits', 'repository:foo/bar:pull2', 'invalid_actions'],
    ['action mixing * and letters', 'repository:foo/bar:pu*ll', 'invalid_actions'],
    ['action with a dash', 'repository:foo/bar:read-write', 'invalid_actions'],
    ['unicode name', 'repository:föo/bar:pull', 'invalid_name'],
  ])('refuses %s (%s)', (_label, value, reason) => {
    expect(parseScope(value)).toBeUndefined();
    expect(parseScopes(value)).toEqual({ scopes: [], invalid: [{ value: value.slice(0, 200), reason }] });
  });

  it('refuses the empty string', () => {
    expect(parseScope('')).toBeUndefined();
  });

  it('accepts an uppercase first segment as a hostname, as the grammar does', () => {
    expect(parseScope('repository:Foo/bar:pull')?.name).toBe('Foo/bar');
  });

  it('accepts a 255-character name', () => {
    const name = `${'a'.repeat(127)}/${'b'.repeat(127)}`;
    expect(parseScope(`repository:${name}:pull`)?.name).toBe(name);
  });
});

describe('parseScopes', () => {
  it('splits space-separated scopes and reads repeated parameters', () => {
    const { scopes, invalid } = parseScopes([
      'repository:a/b:pull repository:c/d:pull,push',
      'registry:catalog:*',
    ]);
    expect(scopes).toEqual([
      { type: 'repository', name: 'a/b', actions: ['pull'] },
      { type: 'repository', name: 'c/d', actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    expect(invalid).toEqual([]);
  });

  it('merges repeated resources, class or not', () => {
    expect(
      parseScopes(['repository:a/b:pull', 'repository(plugin):a/b:push,pull', 'repository:a/b:delete'])
        .scopes,
    ).toEqual([{ type: 'repository', name: 'a/b', actions: ['pull', 'push', 'delete'] }]);
  });

  it('keeps valid scopes and reports invalid ones separately', () => {
    expect(parseScopes('repository:a/b:pull bogus namespace:x:pull repository:A/B:pull')).toEqual({
      scopes: [{ type: 'repository', name: 'a/b', actions: ['pull'] }],
      invalid: [
        { value: 'bogus', reason: 'malformed' },
        { value: 'namespace:x:pull', reason: 'unknown_type' },
        { value: 'repository:A/B:pull', reason: 'invalid_name' },
      ],
    });
  });

  it.each<[string, string | readonly string[] | undefined | null]>([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['only spaces', '   '],
    ['an empty list', []],
    ['a list of empty strings', ['', ' ']],
  ])('returns nothing for %s', (_label, value) => {
    expect(parseScopes(value)).toEqual({ scopes: [], invalid: [] });
  });

  it('tolerates repeated spaces and tabs between scopes', () => {
    expect(parseScopes('  repository:a/b:pull \t repository:c/d:pull ').scopes).toHaveLength(2);
  });

  it('ignores non-string entries of an untyped query array', () => {
    const values = ['repository:a/b:pull', 42, { x: 1 }] as unknown as string[];
    expect(parseScopes(values).scopes).toHaveLength(1);
  });

  it(`stops after ${MAX_SCOPES} resources`, () => {
    const many = Array.from({ length: MAX_SCOPES + 3 }, (_, i) => `repository:p/r${i}:pull`);
    const { scopes, invalid } = parseScopes(many.join(' '));
    expect(scopes).toHaveLength(MAX_SCOPES);
    expect(invalid).toHaveLength(3);
    expect(invalid.every((i) => i.reason === 'too_many')).toBe(true);
  });

  it('still merges into a known resource past the limit', () => {
    const many = Array.from({ length: MAX_SCOPES }, (_, i) => `repository:p/r${i}:pull`);
    const { scopes, invalid } = parseScopes([...many, 'repository:p/r0:push']);
    expect(invalid).toEqual([]);
    expect(scopes[0]!.actions).toEqual(['pull', 'push']);
  });

  it('cuts reported values to 200 characters', () => {
    const { invalid } = parseScopes(`x${'y'.repeat(10_000)}`);
    expect(invalid[0]!.value).toHaveLength(200);
  });
});

describe('isValidScopeName', () => {
  it.each([
    ['foo', true],
    ['foo/bar/baz', true],
    ['localhost:5000/foo', true],
    ['my-host/foo', true],
    ['-host/foo', false],
    ['host-/foo', false],
    ['localhost:/foo', false],
    ['', false],
  ])('%s → %s', (name, valid) => {
    expect(isValidScopeName(name)).toBe(valid);
  });
});

describe('formatScope and formatScopes', () => {
  it('formats type:name:actions', () => {
    expect(formatScope({ type: 'repository', name: 'foo/bar', actions: ['pull', 'push'] })).toBe(
      'repository:foo/bar:pull,push',
    );
    expect(formatScope(CATALOG_SCOPE)).toBe('registry:catalog:*');
  });

  it('round-trips host:port names', () => {
    const value = 'repository:localhost:5000/foo/bar:pull,push';
    expect(formatScope(parseScope(value)!)).toBe(value);
  });

  it('joins several scopes with spaces, and nothing for none', () => {
    expect(
      formatScopes([
        { type: 'repository', name: 'a/b', actions: ['pull'] },
        { type: 'repository', name: 'c/d', actions: ['pull', 'push'] },
      ]),
    ).toBe('repository:a/b:pull repository:c/d:pull,push');
    expect(formatScopes([])).toBe('');
  });
});

describe('accessAllows', () => {
  const access: ResourceScope[] = [
    { type: 'repository', name: 'p/app', actions: ['pull'] },
    { type: 'repository', name: 'p/all', actions: ['*'] },
    { type: 'registry', name: 'catalog', actions: ['*'] },
  ];

  it.each<[string, string, string, boolean]>([
    ['repository', 'p/app', 'pull', true],
    ['repository', 'p/app', 'push', false],
    ['repository', 'p/app', 'delete', false],
    ['repository', 'p/all', 'delete', true],
    ['repository', 'p/all', 'push', true],
    ['repository', 'p/other', 'pull', false],
    ['repository', 'p/ap', 'pull', false],
    ['repository(plugin)', 'p/app', 'pull', false],
    ['registry', 'catalog', '*', true],
    ['registry', 'p/app', 'pull', false],
  ])('%s:%s %s → %s', (type, name, action, allowed) => {
    expect(accessAllows(access, type, name, action)).toBe(allowed);
  });

  it('allows nothing with no access', () => {
    expect(accessAllows([], 'repository', 'p/app', 'pull')).toBe(false);
  });
});
