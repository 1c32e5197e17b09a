import { createPublicKey, generateKeyPairSync, createSecretKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  algorithmOf,
  generateSigningKey,
  jwks,
  keyFromJwk,
  keyId,
  loadOrCreateKeyFile,
  publicJwk,
  signingKeyFromPrivateKey,
} from './keys.js';

const es256 = generateSigningKey('ES256');
const rs256 = generateSigningKey('RS256');

describe('keyId (RFC 7638 thumbprint)', () => {
  it('matches the RFC 7638 §3.1 example', () => {
    const key = createPublicKey({
      format: 'jwk',
      key: {
        kty: 'RSA',
        e: 'AQAB',
        n:
          '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3' +
          'oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgd' +
          'AZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCu' +
          'r-kEgU8awapJzKnqDKgw',
      },
    });
    expect(keyId(key)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('is the same for the private and the public key, and differs between keys', () => {
    expect(keyId(es256.privateKey)).toBe(keyId(es256.publicKey));
    expect(es256.kid).toBe(keyId(es256.publicKey));
    expect(es256.kid).not.toBe(generateSigningKey().kid);
    expect(es256.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('algorithmOf', () => {
  it.each([
    ['P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, 'ES256'],
    ['RSA 2048', generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'RS256'],
    ['P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, undefined],
    ['secp256k1', generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey, undefined],
    ['RSA 1024', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, undefined],
    ['RSA-PSS', generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey, undefined],
    ['Ed25519', generateKeyPairSync('ed25519').publicKey, undefined],
    ['a secret key', createSecretKey(Buffer.alloc(32, 1)), undefined],
  ])('%s → %s', (_label, key, alg) => {
    expect(algorithmOf(key)).toBe(alg);
  });
});

describe('generateSigningKey and signingKeyFromPrivateKey', () => {
  it('generates P-256 by default and RSA 3072 for RS256', () => {
    expect(generateSigningKey().alg).toBe('ES256');
    expect(rs256.alg).toBe('RS256');
    expect(rs256.publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it('reads a PKCS#8 PEM back to the same key', () => {
    const pem = es256.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(signingKeyFromPrivateKey(pem).kid).toBe(es256.kid);
  });

  it.each([
    ['a public key', () => signingKeyFromPrivateKey(es256.publicKey)],
    ['an Ed25519 key', () => signingKeyFromPrivateKey(generateKeyPairSync('ed25519').privateKey)],
    [
      'garbage PEM',
      () => signingKeyFromPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'),
    ],
  ])('refuses %s', (_label, fn) => {
    expect(fn).toThrow();
  });
});

describe('publicJwk and jwks', () => {
  it('publishes EC keys with kid, alg and use, and no private member', () => {
    const jwk = publicJwk(es256);
    expect(jwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: es256.kid,
      alg: 'ES256',
      use: 'sig',
    });
    expect(publicJwk(es256.privateKey)).toEqual(jwk);
    expect(JSON.stringify(jwk)).not.toContain('"d"');
  });

  it('publishes RSA keys', () => {
    expect(publicJwk(rs256)).toEqual({
      kty: 'RSA',
      n: expect.any(String),
      e: 'AQAB',
      kid: rs256.kid,
      alg: 'RS256',
      use: 'sig',
    });
  });

  it('builds a JWKS without duplicates', () => {
    expect(jwks([es256, rs256, es256.publicKey]).keys.map((k) => k.kid)).toEqual([es256.kid, rs256.kid]);
    expect(jwks([])).toEqual({ keys: [] });
  });

  it('round-trips through keyFromJwk', () => {
    for (const key of [es256, rs256]) {
      const back = keyFromJwk(JSON.parse(JSON.stringify(publicJwk(key))));
      expect(back.kid).toBe(key.kid);
      expect(back.alg).toBe(key.alg);
      expect(back.publicKey.equals(key.publicKey)).toBe(true);
    }
  });

  it('accepts a JWK without kid, alg or use', () => {
    const { kty, crv, x, y } = publicJwk(es256);
    expect(keyFromJwk({ kty, crv, x, y }).kid).toBe(es256.kid);
  });
});

describe('keyFromJwk refuses', () => {
  const good = publicJwk(es256);
  const privateJwk = es256.privateKey.export({ format: 'jwk' });
  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'jwk'],
    ['an array', [good]],
    ['private members', { ...privateJwk, kid: good.kid }],
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0' }],
    ['an unknown kty', { ...good, kty: 'OKP' }],
    ['another curve', { ...good, crv: 'P-384' }],
    ['missing y', { ...good, y: undefined }],
    ['a point off the curve', { ...good, y: good.x }],
    ['a kid that is not the thumbprint', { ...good, kid: 'someone-else' }],
    ['an alg that does not fit', { ...good, alg: 'RS256' }],
    ['alg HS256', { ...good, alg: 'HS256' }],
    ['use enc', { ...good, use: 'enc' }],
    [
      'a short RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }),
    ],
  ])('%s', (_label, jwk) => {
    expect(() => keyFromJwk(jwk)).toThrow(TypeError);
  });
});

describe('loadOrCreateKeyFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'berth-auth-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a 0600 PKCS#8 key (and its directory), then reads the same key back', async () => {
    const file = path.join(dir, 'nested', 'token-signing.pem');
    const created = await loadOrCreateKeyFile(file);
    expect(created.alg).toBe('ES256');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const loaded = await loadOrCreateKeyFile(file);
    expect(loaded.kid).toBe(created.kid);
    expect(await readdir(path.dirname(file))).toEqual(['token-signing.pem']);
  });

  it('generates RS256 on request, and keeps an existing key whatever alg is asked', async () => {
    const file = path.join(dir, 'rsa.pem');
    const created = await loadOrCreateKeyFile(file, 'RS256');
    expect(created.alg).toBe('RS256');
    expect((await loadOrCreateKeyFile(file, 'ES256')).kid).toBe(created.kid);
  });

  it('gives every concurrent caller the same key', async () => {
    const file = path.join(dir, 'race.pem');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateKeyFile(file)));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
  });

  it('reads an existing PEM written by someone else', async () => {
    const file = path.join(dir, 'existing.pem');
    await writeFile(file, rs256.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    expect((await loadOrCreateKeyFile(file)).kid).toBe(rs256.kid);
  });

  it.each([
    ['garbage', 'not a key'],
    ['a public key', es256.publicKey.export({ format: 'pem', type: 'spki' }) as string],
    [
      'an Ed25519 key',
      generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    ],
  ])('refuses a file holding %s, naming the file', async (label, content) => {
    const file = path.join(dir, `bad-${label.replace(/\W/g, '')}.pem`);
    await writeFile(file, content);
    await expect(loadOrCreateKeyFile(file)).rejects.toThrow(file);
  });
});
