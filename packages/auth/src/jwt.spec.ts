import { createHmac, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  isTokenError,
  newTokenClaims,
  signToken,
  TokenError,
  verifyToken,
  type TokenClaims,
  type VerifyOptions,
} from './jwt.js';
import { generateSigningKey, type SigningKey } from './keys.js';

const es = generateSigningKey('ES256');
const rs = generateSigningKey('RS256');
const other = generateSigningKey('ES256');

const NOW = new Date('2026-03-01T12:00:00Z');
const T = NOW.getTime() / 1000;

const claims: TokenClaims = {
  iss: 'berth-token',
  sub: 'alice',
  aud: 'berth-registry',
  exp: T + 300,
  nbf: T,
  iat: T,
  jti: 'abc',
  access: [{ type: 'repository', name: 'p/app', actions: ['pull', 'push'] }],
};

const options: VerifyOptions = {
  keys: new Map([
    [es.kid, es.publicKey],
    [rs.kid, rs.publicKey],
  ]),
  issuer: 'berth-token',
  audience: 'berth-registry',
  now: NOW,
};

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A token with any header and payload, signed (or not) as told. */
function forge(
  header: unknown,
  payload: unknown,
  signer: SigningKey | ((input: string) => Buffer) | 'none' = es,
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature =
    signer === 'none'
      ? Buffer.alloc(0)
      : typeof signer === 'function'
        ? signer(input)
        : sign('sha256', Buffer.from(input), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError);
    expect(isTokenError(error)).toBe(true);
    return (error as TokenError).reason;
  }
  throw new Error('expected the call to throw');
}

const header = { alg: 'ES256', typ: 'JWT', kid: es.kid };
const good = signToken(claims, es);
const [goodHeader, goodPayload, goodSignature] = good.split('.') as [string, string, string];

describe('signToken and verifyToken', () => {
  it.each([
    ['ES256', es],
    ['RS256', rs],
  ])('round-trips %s', (_alg, key) => {
    const token = signToken(claims, key);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: key.alg,
      typ: 'JWT',
      kid: key.kid,
    });
    expect(verifyToken(token, options)).toEqual(claims);
  });

  it('produces a 64-byte raw ES256 signature', () => {
    expect(Buffer.from(goodSignature, 'base64url')).toHaveLength(64);
  });

  it('resolves keys through a function', () => {
    const seen: string[] = [];
    const keys = (kid: string): KeyObject | undefined => {
      seen.push(kid);
      return kid === es.kid ? es.publicKey : undefined;
    };
    expect(verifyToken(good, { ...options, keys }).sub).toBe('alice');
    expect(seen).toEqual([es.kid]);
  });

  it('accepts an audience array that contains the audience, and returns the audience', () => {
    const token = forge(header, { ...claims, aud: ['other', 'berth-registry'] });
    expect(verifyToken(token, options).aud).toBe('berth-registry');
  });

  it('accepts an anonymous token (empty sub) without access', () => {
    const { access: _access, ...rest } = claims;
    expect(verifyToken(forge(header, { ...rest, sub: '' }), options)).toEqual({
      ...rest,
      sub: '',
      access: [],
    });
  });

  it('accepts a token without typ, nbf, iat or jti', () => {
    const { nbf: _n, iat: _i, jti: _j, ...rest } = claims;
    const verified = verifyToken(forge({ alg: 'ES256', kid: es.kid }, rest), options);
    expect(verified).toMatchObject({ nbf: rest.exp, iat: rest.exp, jti: '' });
  });

  it('refuses to sign with a key whose alg does not fit', () => {
    expect(() => signToken(claims, { ...es, alg: 'RS256' })).toThrow(TypeError);
  });
});

describe('verifyToken: time', () => {
  it.each<[string, Partial<TokenClaims>, Partial<VerifyOptions>, string | undefined]>([
    ['valid', {}, {}, undefined],
    ['expired', { exp: T - 31 }, {}, 'expired'],
    ['expired exactly at exp - skew', { exp: T - 30 }, {}, 'expired'],
    ['expired but within the skew', { exp: T - 29 }, {}, undefined],
    ['expired with no skew', { exp: T }, { clockSkewSeconds: 0 }, 'expired'],
    ['nbf in the future', { nbf: T + 31 }, {}, 'not_yet_valid'],
    ['nbf in the future within the skew', { nbf: T + 30 }, {}, undefined],
    ['iat in the future', { iat: T + 3600 }, {}, 'not_yet_valid'],
    ['a larger skew', { exp: T - 100 }, { clockSkewSeconds: 120 }, undefined],
  ])('%s', (_label, override, opts, expected) => {
    const token = signToken({ ...claims, ...override }, es);
    if (expected === undefined) expect(verifyToken(token, { ...options, ...opts }).sub).toBe('alice');
    else expect(reason(() => verifyToken(token, { ...options, ...opts }))).toBe(expected);
  });

  it('uses the current time by default', () => {
    const { now: _now, ...withoutNow } = options;
    const fresh = signToken(newTokenClaims({ ...baseInput, expiresInSeconds: 60 }), es);
    expect(verifyToken(fresh, withoutNow).sub).toBe('alice');
    const old = signToken({ ...claims, exp: 1_000_000, nbf: 999_000, iat: 999_000 }, es);
    expect(reason(() => verifyToken(old, withoutNow))).toBe('expired');
  });
});

const hmac =
  (secret: string | Buffer) =>
  (input: string): Buffer =>
    createHmac('sha256', secret).update(input).digest();
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** 64 bytes take 86 characters whose last 4 bits are unused: setting one decodes to the same bytes. */
function nonCanonical(segment: string): string {
  const last = ALPHABET.indexOf(segment.at(-1)!);
  return segment.slice(0, -1) + ALPHABET[last ^ 1]!;
}
const publicPem = es.publicKey.export({ format: 'pem', type: 'spki' }) as string;
const rsaPublicPem = rs.publicKey.export({ format: 'pem', type: 'spki' }) as string;

describe('verifyToken: forged and broken tokens', () => {
  it.each<[string, () => string, string]>([
    ['signed by another key under our kid', () => forge(header, claims, other), 'bad_signature'],
    [
      'alg none with an empty signature',
      () => forge({ alg: 'none', typ: 'JWT', kid: es.kid }, claims, 'none'),
      'alg_not_allowed',
    ],
    ['alg "None"', () => forge({ alg: 'None', kid: es.kid }, claims, 'none'), 'alg_not_allowed'],
    ['no alg', () => forge({ typ: 'JWT', kid: es.kid }, claims), 'alg_not_allowed'],
    [
      'HS256 with our EC public key PEM as the HMAC secret',
      () => forge({ ...header, alg: 'HS256' }, claims, hmac(publicPem)),
      'alg_not_allowed',
    ],
    [
      'HS256 with our RSA public key PEM as the HMAC secret',
      () => forge({ alg: 'HS256', kid: rs.kid }, claims, hmac(rsaPublicPem)),
      'alg_not_allowed',
    ],
    ['HS512', () => forge({ ...header, alg: 'HS512' }, claims, hmac('x')), 'alg_not_allowed'],
    ['PS256', () => forge({ alg: 'PS256', kid: rs.kid }, claims, rs), 'alg_not_allowed'],
    ['ES384', () => forge({ ...header, alg: 'ES384' }, claims), 'alg_not_allowed'],
    ['EdDSA', () => forge({ ...header, alg: 'EdDSA' }, claims), 'alg_not_allowed'],
    ['lowercase es256', () => forge({ ...header, alg: 'es256' }, claims), 'alg_not_allowed'],
    ['alg as an array', () => forge({ ...header, alg: ['ES256'] }, claims), 'alg_not_allowed'],
    [
      'RS256 header naming an EC key',
      () => forge({ alg: 'RS256', kid: es.kid }, claims, rs),
      'alg_not_allowed',
    ],
    [
      'ES256 header naming an RSA key',
      () => forge({ alg: 'ES256', kid: rs.kid }, claims, es),
      'alg_not_allowed',
    ],
    ['an unknown kid', () => forge({ ...header, kid: other.kid }, claims, other), 'unknown_kid'],
    ['no kid', () => forge({ alg: 'ES256', typ: 'JWT' }, claims), 'malformed'],
    ['an empty kid', () => forge({ ...header, kid: '' }, claims), 'malformed'],
    ['a numeric kid', () => forge({ ...header, kid: 7 }, claims), 'malformed'],
    ['an embedded jwk', () => forge({ ...header, jwk: { kty: 'EC' } }, claims), 'malformed'],
    ['an x5c chain', () => forge({ ...header, x5c: ['MIIB'] }, claims), 'malformed'],
    ['a jku URL', () => forge({ ...header, jku: 'http://127.0.0.1/jwks' }, claims), 'malformed'],
    ['a crit header', () => forge({ ...header, crit: ['exp'] }, claims), 'malformed'],
    ['typ other than JWT', () => forge({ ...header, typ: 'at+jwt' }, claims), 'malformed'],
    [
      'tampered payload (actions widened)',
      () =>
        `${goodHeader}.${b64({ ...claims, access: [{ type: 'repository', name: 'p/app', actions: ['*'] }] })}.${goodSignature}`,
      'bad_signature',
    ],
    [
      'tampered payload (subject changed)',
      () => `${goodHeader}.${b64({ ...claims, sub: 'admin' })}.${goodSignature}`,
      'bad_signature',
    ],
    [
      'tampered header (typ dropped)',
      () => `${b64({ alg: 'ES256', kid: es.kid })}.${goodPayload}.${goodSignature}`,
      'bad_signature',
    ],
    ['an empty signature', () => `${goodHeader}.${goodPayload}.`, 'bad_signature'],
    [
      'a truncated signature',
      () => `${goodHeader}.${goodPayload}.${goodSignature.slice(0, 40)}`,
      'bad_signature',
    ],
    [
      'a DER-encoded ES256 signature',
      () => forge(header, claims, (input) => sign('sha256', Buffer.from(input), es.privateKey)),
      'bad_signature',
    ],
    [
      'a signature of zeros',
      () => `${goodHeader}.${goodPayload}.${Buffer.alloc(64).toString('base64url')}`,
      'bad_signature',
    ],
    [
      'a header that is not JSON',
      () => `${b64('{"alg":"ES256",')}.${goodPayload}.${goodSignature}`,
      'malformed',
    ],
    ['a header that is a JSON array', () => `${b64([header])}.${goodPayload}.${goodSignature}`, 'malformed'],
    ['a header that is JSON null', () => `${b64('null')}.${goodPayload}.${goodSignature}`, 'malformed'],
    [
      'a header of invalid UTF-8',
      () => `${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.${goodPayload}.${goodSignature}`,
      'malformed',
    ],
    ['a signed payload that is not JSON', () => forge(header, 'not json'), 'malformed'],
    ['a signed payload that is a JSON string', () => forge(header, '"claims"'), 'malformed'],
    ['an empty header segment', () => `.${goodPayload}.${goodSignature}`, 'malformed'],
    ['2 segments', () => `${goodHeader}.${goodPayload}`, 'malformed'],
    ['4 segments', () => `${good}.${goodSignature}`, 'malformed'],
    ['5 segments (JWE-shaped)', () => `${goodHeader}.a.b.c.d`, 'malformed'],
    ['1 segment', () => goodHeader, 'malformed'],
    ['the empty string', () => '', 'malformed'],
    ['padded base64', () => `${goodHeader}.${goodPayload}.${goodSignature}==`, 'malformed'],
    [
      'standard base64 characters',
      () => `${goodHeader}.${goodPayload.replace(/-/g, '+').replace(/_/g, '/')}+/.${goodSignature}`,
      'malformed',
    ],
    ['whitespace inside', () => `${goodHeader}. ${goodPayload}.${goodSignature}`, 'malformed'],
    [
      'a non-canonical base64url tail (unused bits set)',
      () => `${goodHeader}.${goodPayload}.${nonCanonical(goodSignature)}`,
      'malformed',
    ],
    ['an oversized token', () => `${goodHeader}.${'A'.repeat(9000)}.${goodSignature}`, 'malformed'],
  ])('refuses %s (%s)', (_label, make, expected) => {
    expect(reason(() => verifyToken(make(), options))).toBe(expected);
  });

  it('refuses a non-string token', () => {
    expect(reason(() => verifyToken(undefined as unknown as string, options))).toBe('malformed');
  });

  it('never puts the token in the error message', () => {
    try {
      verifyToken(forge(header, claims, other), options);
    } catch (error) {
      expect((error as Error).message).not.toContain(goodHeader);
      expect((error as Error).message).toBe('bad signature');
    }
  });
});

describe('verifyToken: claims', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a wrong issuer', { iss: 'evil' }, 'wrong_issuer'],
    ['a missing issuer', { iss: undefined }, 'malformed'],
    ['a wrong audience', { aud: 'other-registry' }, 'wrong_audience'],
    ['an audience array without ours', { aud: ['a', 'b'] }, 'wrong_audience'],
    ['a missing audience', { aud: undefined }, 'wrong_audience'],
    ['a numeric audience', { aud: 5 }, 'wrong_audience'],
    ['a missing sub', { sub: undefined }, 'malformed'],
    ['a missing exp', { exp: undefined }, 'malformed'],
    ['a string exp', { exp: String(T + 300) }, 'malformed'],
    ['a string nbf', { nbf: 'now' }, 'malformed'],
    ['a numeric jti', { jti: 1 }, 'malformed'],
    ['access as an object', { access: { type: 'repository' } }, 'malformed'],
    ['an access entry without actions', { access: [{ type: 'repository', name: 'p/app' }] }, 'malformed'],
    [
      'an access entry with a numeric action',
      { access: [{ type: 'repository', name: 'p/app', actions: [1] }] },
      'malformed',
    ],
    ['a null access entry', { access: [null] }, 'malformed'],
  ])('refuses %s (%s)', (_label, override, expected) => {
    expect(reason(() => verifyToken(forge(header, { ...claims, ...override }), options))).toBe(expected);
  });

  it('checks the signature before the claims: a forged expired token is a bad signature', () => {
    expect(reason(() => verifyToken(forge(header, { ...claims, exp: 1 }, other), options))).toBe(
      'bad_signature',
    );
  });

  it('returns copies of the access entries, without extra members', () => {
    const token = forge(header, {
      ...claims,
      extra: 'x',
      access: [{ type: 'repository', name: 'p/app', actions: ['pull'], note: 1 }],
    });
    const verified = verifyToken(token, options);
    expect(verified.access).toEqual([{ type: 'repository', name: 'p/app', actions: ['pull'] }]);
    expect(verified).not.toHaveProperty('extra');
  });
});

const baseInput = {
  issuer: 'berth-token',
  subject: 'alice',
  audience: 'berth-registry',
  access: claims.access,
};

describe('newTokenClaims', () => {
  it('sets iat = nbf = now, exp = now + lifetime and a random jti', () => {
    const a = newTokenClaims({ ...baseInput, expiresInSeconds: 300, now: new Date(NOW.getTime() + 999) });
    const b = newTokenClaims({ ...baseInput, expiresInSeconds: 300, now: NOW });
    expect(a).toMatchObject({
      iss: 'berth-token',
      sub: 'alice',
      aud: 'berth-registry',
      iat: T,
      nbf: T,
      exp: T + 300,
    });
    expect(a.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a.jti).not.toBe(b.jti);
    expect(verifyToken(signToken(a, es), options)).toEqual(a);
  });
});
