import { describe, expect, it } from '@jest/globals';
import {
  basicChallenge,
  bearerChallenge,
  MAX_AUTHORIZATION_LENGTH,
  parseAuthorization,
  parseBasicAuth,
  parseBearer,
} from './challenge.js';

const realm = 'http://127.0.0.1:5001/service/token';
const basic = (text: string): string => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('bearerChallenge', () => {
  it('matches the token spec example byte for byte', () => {
    expect(
      bearerChallenge({
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scopes: [{ type: 'repository', name: 'samalba/my-app', actions: ['pull', 'push'] }],
      }),
    ).toBe(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
    );
  });

  it('puts several scopes space-separated in one scope parameter', () => {
    expect(
      bearerChallenge({
        realm,
        service: 'berth',
        scopes: [
          { type: 'repository', name: 'p/a', actions: ['pull', 'push'] },
          { type: 'repository', name: 'q/b', actions: ['pull'] },
        ],
      }),
    ).toBe(`Bearer realm="${realm}",service="berth",scope="repository:p/a:pull,push repository:q/b:pull"`);
  });

  it('omits the scope when there is none, and appends an error', () => {
    expect(bearerChallenge({ realm, service: 'berth' })).toBe(`Bearer realm="${realm}",service="berth"`);
    expect(bearerChallenge({ realm, service: 'berth', scopes: [], error: 'invalid_token' })).toBe(
      `Bearer realm="${realm}",service="berth",error="invalid_token"`,
    );
    expect(
      bearerChallenge({
        realm,
        service: 'berth',
        scopes: [{ type: 'registry', name: 'catalog', actions: ['*'] }],
        error: 'insufficient_scope',
      }),
    ).toBe(`Bearer realm="${realm}",service="berth",scope="registry:catalog:*",error="insufficient_scope"`);
  });

  it('escapes quotes and backslashes and drops control characters', () => {
    expect(bearerChallenge({ realm: 'http://x/"a"\\b', service: 'svc\r\nSet-Cookie: x=1' })).toBe(
      'Bearer realm="http://x/\\"a\\"\\\\b",service="svcSet-Cookie: x=1"',
    );
  });
});

describe('basicChallenge', () => {
  it('names the realm and UTF-8', () => {
    expect(basicChallenge('Berth')).toBe('Basic realm="Berth",charset="UTF-8"');
  });
});

describe('parseBasicAuth', () => {
  it.each<[string, string, { username: string; password: string }]>([
    ['user:password', basic('alice:s3cret'), { username: 'alice', password: 's3cret' }],
    ['a password with colons', basic('alice:a:b:c'), { username: 'alice', password: 'a:b:c' }],
    ['an empty password', basic('alice:'), { username: 'alice', password: '' }],
    ['a robot name', basic('robot$proj+ci:tok'), { username: 'robot$proj+ci', password: 'tok' }],
    ['UTF-8', basic('zoë:pässwörd'), { username: 'zoë', password: 'pässwörd' }],
    [
      'a lowercase scheme',
      `basic ${Buffer.from('a:b').toString('base64')}`,
      { username: 'a', password: 'b' },
    ],
    [
      'an uppercase scheme',
      `BASIC ${Buffer.from('a:b').toString('base64')}`,
      { username: 'a', password: 'b' },
    ],
    ['several spaces', `Basic   ${Buffer.from('a:b').toString('base64')}`, { username: 'a', password: 'b' }],
    [
      'unpadded base64',
      `Basic ${Buffer.from('a:bc').toString('base64').replace(/=+$/, '')}`,
      { username: 'a', password: 'bc' },
    ],
    ['a trailing space', `${basic('a:b')} `, { username: 'a', password: 'b' }],
    ['canonical padding', 'Basic YTo=', { username: 'a', password: '' }],
  ])('reads %s', (_label, header, expected) => {
    expect(parseBasicAuth(header)).toEqual(expected);
    expect(parseAuthorization(header)).toEqual({ scheme: 'basic', ...expected });
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['empty', ''],
    ['the scheme alone', 'Basic'],
    ['the scheme and a space', 'Basic '],
    ['another scheme', `Digest ${Buffer.from('a:b').toString('base64')}`],
    ['Bearer', 'Bearer abc.def.ghi'],
    ['no colon', basic('alice')],
    ['an empty username', basic(':password')],
    ['bad base64 characters', 'Basic YWxp!2U6cHc='],
    ['base64url instead of base64', `Basic ${Buffer.from('a:b??>').toString('base64url')}`],
    ['too much padding', 'Basic YTpi==='],
    ['padding in the middle', 'Basic YQ==YTpi'],
    ['a non-canonical base64 tail (YTo= is canonical)', 'Basic YTp='],
    ['invalid UTF-8', `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`],
    ['a NUL in the password', basic('alice:pa\u0000ss')],
    ['a newline in the username', basic('ali\nce:pass')],
    ['a tab before the credentials', `Basic\t${Buffer.from('a:b').toString('base64')}`],
    ['two credentials', `${basic('a:b')} ${Buffer.from('c:d').toString('base64')}`],
    ['a leading space', ` ${basic('a:b')}`],
    ['no space after the scheme', `Basic${Buffer.from('a:b').toString('base64')}`],
    ['an oversized header', basic(`alice:${'x'.repeat(MAX_AUTHORIZATION_LENGTH)}`)],
  ])('returns undefined for %s', (_label, header) => {
    expect(parseBasicAuth(header as string)).toBeUndefined();
  });

  it('accepts a header of exactly the maximum length', () => {
    let password = 'x'.repeat(6000);
    while (basic(`a:${password}`).length < MAX_AUTHORIZATION_LENGTH) password += 'x';
    while (basic(`a:${password}`).length > MAX_AUTHORIZATION_LENGTH) password = password.slice(1);
    const header = basic(`a:${password}`);
    expect(header.length).toBeLessThanOrEqual(MAX_AUTHORIZATION_LENGTH);
    expect(parseBasicAuth(header)?.password).toBe(password);
  });
});

describe('parseBearer', () => {
  it.each([
    ['a JWT', 'Bearer eyJhbGc.eyJzdWIi.c2lnbmF0dXJl', 'eyJhbGc.eyJzdWIi.c2lnbmF0dXJl'],
    ['a lowercase scheme', 'bearer abc', 'abc'],
    ['token68 characters', 'Bearer a-b.c_d~e+f/g==', 'a-b.c_d~e+f/g=='],
  ])('reads %s', (_label, header, token) => {
    expect(parseBearer(header)).toBe(token);
    expect(parseAuthorization(header)).toEqual({ scheme: 'bearer', token });
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['empty', ''],
    ['the scheme alone', 'Bearer '],
    ['a quoted token', 'Bearer "abc"'],
    ['two tokens', 'Bearer abc def'],
    ['a comma', 'Bearer abc,def'],
    ['padding in the middle', 'Bearer ab=c'],
    ['non-ASCII', 'Bearer abcé'],
    ['an oversized header', `Bearer ${'a'.repeat(MAX_AUTHORIZATION_LENGTH)}`],
    ['an object', { toString: () => 'Bearer abc' }],
  ])('returns undefined for %s', (_label, header) => {
    expect(parseBearer(header as string)).toBeUndefined();
    expect(parseAuthorization(header as string)).toBeUndefined();
  });

  it('returns undefined for Basic credentials', () => {
    expect(parseBearer(basic('a:b'))).toBeUndefined();
  });
});
