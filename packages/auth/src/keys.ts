import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The JWS algorithms Berth signs and accepts. Anything else is refused on verification. */
export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** Smallest RSA modulus accepted for RS256, signing or verifying. */
export const MIN_RSA_BITS = 2048;

/** A key the token service signs with. */
export interface SigningKey {
  /** RFC 7638 thumbprint of the public key (see `keyId`). */
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A key that only verifies: a previous signing key, or one read from a JWKS. */
export interface VerificationKey {
  kid: string;
  alg: SigningAlgorithm;
  publicKey: KeyObject;
}

/** A public JWK as published in the JWKS. Never carries private members. */
export interface PublicJwk {
  kty: 'EC' | 'RSA';
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
  crv?: 'P-256';
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

export interface Jwks {
  keys: PublicJwk[];
}

/**
 * The algorithm a key is usable with: ES256 for a P-256 EC key, RS256 for an RSA key of at least
 * `MIN_RSA_BITS`; undefined for anything else (other curves, RSA-PSS, Ed25519, secret keys).
 */
export function algorithmOf(key: KeyObject): SigningAlgorithm | undefined {
  if (key.type === 'secret') return undefined;
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= MIN_RSA_BITS) return 'RS256';
  return undefined;
}

function requireAlgorithm(key: KeyObject): SigningAlgorithm {
  const alg = algorithmOf(key);
  if (!alg) {
    throw new TypeError(
      `unsupported signing key: ${key.asymmetricKeyType ?? key.type} (need EC P-256 or RSA >= ${MIN_RSA_BITS} bits)`,
    );
  }
  return alg;
}

function publicOf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}

function jwkMembers(publicKey: KeyObject): Omit<PublicJwk, 'kid' | 'alg' | 'use'> {
  const jwk = publicKey.export({ format: 'jwk' });
  return jwk.kty === 'EC'
    ? { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! }
    : { kty: 'RSA', n: jwk.n!, e: jwk.e! };
}

/**
 * The `kid` of a key: the base64url SHA-256 JWK thumbprint of its public part (RFC 7638), over
 * the required members in lexicographic order. Stable across processes, so every replica that
 * loads the same key file publishes the same `kid`.
 */
export function keyId(key: KeyObject): string {
  const publicKey = publicOf(key);
  requireAlgorithm(publicKey);
  const m = jwkMembers(publicKey);
  const canonical =
    m.kty === 'EC'
      ? JSON.stringify({ crv: m.crv, kty: m.kty, x: m.x, y: m.y })
      : JSON.stringify({ e: m.e, kty: m.kty, n: m.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Wraps a private key (a KeyObject or a PKCS#8/SEC1/PKCS#1 PEM). Throws TypeError when unsupported. */
export function signingKeyFromPrivateKey(key: KeyObject | string): SigningKey {
  const privateKey = typeof key === 'string' ? createPrivateKey(key) : key;
  if (privateKey.type !== 'private') throw new TypeError('a signing key must be a private key');
  const alg = requireAlgorithm(privateKey);
  const publicKey = createPublicKey(privateKey);
  return { kid: keyId(publicKey), alg, privateKey, publicKey };
}

/** A fresh key: P-256 for ES256 (the default), 3072-bit RSA for RS256. */
export function generateSigningKey(alg: SigningAlgorithm = 'ES256'): SigningKey {
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 3072 });
  return signingKeyFromPrivateKey(privateKey);
}

/** The public JWK of a key, with `kid`, `alg` and `use: 'sig'`. Private members never appear. */
export function publicJwk(key: SigningKey | VerificationKey | KeyObject): PublicJwk {
  const publicKey = publicOf('publicKey' in key ? key.publicKey : key);
  const alg = requireAlgorithm(publicKey);
  return { ...jwkMembers(publicKey), kid: keyId(publicKey), alg, use: 'sig' };
}

/** A JWKS document (`{keys: [...]}`) for the given keys, in order, duplicates (same kid) removed. */
export function jwks(keys: Iterable<SigningKey | VerificationKey | KeyObject>): Jwks {
  const out: PublicJwk[] = [];
  for (const key of keys) {
    const jwk = publicJwk(key);
    if (!out.some((k) => k.kid === jwk.kid)) out.push(jwk);
  }
  return { keys: out };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads one public JWK (from a JWKS fetched from the token service). Only the public members are
 * used; a JWK with private members (`d`, `p`, …) is refused rather than silently trusted. The kid
 * is recomputed from the key: a JWK whose `kid` differs from its thumbprint is refused, and so is
 * an `alg` that does not fit the key. Throws TypeError.
 */
export function keyFromJwk(jwk: unknown): VerificationKey {
  if (!isRecord(jwk)) throw new TypeError('a JWK must be an object');
  if ('d' in jwk || 'p' in jwk || 'q' in jwk || 'k' in jwk)
    throw new TypeError('a JWK must not carry private members');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new TypeError('a JWK must be for signatures');
  let members: JsonWebKey;
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
    members = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  } else if (jwk.kty === 'RSA' && typeof jwk.n === 'string' && typeof jwk.e === 'string') {
    members = { kty: 'RSA', n: jwk.n, e: jwk.e };
  } else {
    throw new TypeError('unsupported JWK: need EC P-256 (x, y) or RSA (n, e)');
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: members, format: 'jwk' });
  } catch {
    throw new TypeError('invalid JWK key material');
  }
  const alg = requireAlgorithm(publicKey);
  if (jwk.alg !== undefined && jwk.alg !== alg) throw new TypeError(`JWK alg does not fit its key (${alg})`);
  const kid = keyId(publicKey);
  if (jwk.kid !== undefined && jwk.kid !== kid) throw new TypeError('JWK kid is not its RFC 7638 thumbprint');
  return { kid, alg, publicKey };
}

// Duck-typed: errors from node:fs may come from another realm (jest's VM modules) and fail instanceof.
function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}

async function readKeyFile(file: string): Promise<SigningKey | undefined> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  try {
    return signingKeyFromPrivateKey(pem);
  } catch (error) {
    const detail =
      error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error);
    throw new Error(
      `cannot use the signing key in ${file}: ${detail ? String((error as Error).message) : 'unreadable'}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Loads the signing key from a PEM file (PKCS#8, or SEC1/PKCS#1), or generates one (`alg`,
 * default ES256) and writes it as PKCS#8 with mode 0600, creating the directory if needed.
 *
 * Safe when several processes start together: the key is written to a private temporary file,
 * then hard-linked into place, which fails with EEXIST if another process won; the loser then
 * reads the winner's complete file. A file never appears half-written. An existing key is used
 * whatever its algorithm; `alg` only chooses what to generate.
 */
export async function loadOrCreateKeyFile(
  file: string,
  alg: SigningAlgorithm = 'ES256',
): Promise<SigningKey> {
  const existing = await readKeyFile(file);
  if (existing) return existing;
  const key = generateSigningKey(alg);
  const pem = key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, pem, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
    return key;
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
    const winner = await readKeyFile(file);
    if (!winner) throw error;
    return winner;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}
