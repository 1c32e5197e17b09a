import { randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { algorithmOf, SIGNING_ALGORITHMS, type SigningAlgorithm, type SigningKey } from './keys.js';
import { type ResourceScope } from './scope.js';

/**
 * Compact JWS (RFC 7515) for registry tokens, ES256 and RS256 only, with node:crypto. Verification
 * trusts nothing in the header but `alg` (checked against an allow-list AND against the key the
 * `kid` names) and `kid` (looked up in keys the caller supplies): no `jwk`, `jku`, `x5c`, `x5u`.
 */

/** The `iss` of every registry token Berth's token service signs, and the api expects. */
export const TOKEN_ISSUER = 'berth-token-service';

/** The claim set of a registry token (distribution `docs/spec/auth/jwt.md`). Times are epoch seconds. */
export interface TokenClaims {
  iss: string;
  /** The user or robot name; `''` for an anonymous client. */
  sub: string;
  /** One audience: the `service` of the token request. */
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: ResourceScope[];
}

export type TokenErrorReason =
  | 'malformed'
  | 'bad_signature'
  | 'unknown_kid'
  | 'alg_not_allowed'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience';

/** Why a token was refused. The message is static and safe to log; it never contains the token. */
export class TokenError extends Error {
  constructor(
    readonly reason: TokenErrorReason,
    message: string = reason.replace(/_/g, ' '),
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export function isTokenError(error: unknown): error is TokenError {
  return error instanceof TokenError;
}

/** Where verification finds keys: a map, a `KeyRing` lookup, or a refreshed JWKS cache. */
export type KeyResolver = ReadonlyMap<string, KeyObject> | ((kid: string) => KeyObject | undefined);

export interface VerifyOptions {
  keys: KeyResolver;
  /** The expected `iss`, compared exactly. */
  issuer: string;
  /** The expected `aud` (this registry's `service` name); an `aud` array must contain it. */
  audience: string;
  /** Defaults to the current time. */
  now?: Date;
  /** Tolerance for `exp`, `nbf` and `iat` between hosts; default 30. */
  clockSkewSeconds?: number;
}

/** Longest token accepted; the `Authorization` header parsers cap the whole header at 8 KiB too. */
export const MAX_TOKEN_LENGTH = 8192;

const SEGMENT = /^[A-Za-z0-9_-]*$/;
const FORBIDDEN_HEADER_MEMBERS = ['jwk', 'jku', 'x5c', 'x5u', 'crit', 'b64'];

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Signs `claims` with `key`. The header is `{alg, typ: 'JWT', kid}`. */
export function signToken(claims: TokenClaims, key: SigningKey): string {
  if (algorithmOf(key.privateKey) !== key.alg) throw new TypeError(`key does not fit ${key.alg}`);
  const input = `${encodeJson({ alg: key.alg, typ: 'JWT', kid: key.kid })}.${encodeJson(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export interface NewClaimsInput {
  issuer: string;
  subject: string;
  audience: string;
  access: ResourceScope[];
  /** Lifetime in seconds; the token spec asks for at least 60. */
  expiresInSeconds: number;
  now?: Date;
}

/** Claims for a new token: `iat = nbf = now`, `exp = now + expiresInSeconds`, a random `jti`. */
export function newTokenClaims(input: NewClaimsInput): TokenClaims {
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000);
  return {
    iss: input.issuer,
    sub: input.subject,
    aud: input.audience,
    exp: iat + Math.ceil(input.expiresInSeconds),
    nbf: iat,
    iat,
    jti: randomBytes(16).toString('base64url'),
    access: input.access,
  };
}

/** Strict base64url: the alphabet, no padding, and canonical (re-encodes to the same text). */
function decodeSegment(segment: string): Buffer {
  const bytes = Buffer.from(segment, 'base64url');
  if (!SEGMENT.test(segment) || bytes.toString('base64url') !== segment) {
    throw new TokenError('malformed', 'token segment is not base64url');
  }
  return bytes;
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decodeSegment(segment)));
  } catch (error) {
    if (error instanceof TokenError) throw error;
    throw new TokenError('malformed', `token ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenError('malformed', `token ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function resolveKey(keys: KeyResolver, kid: string): KeyObject | undefined {
  return typeof keys === 'function' ? keys(kid) : keys.get(kid);
}

function checkHeader(header: Record<string, unknown>): { alg: SigningAlgorithm; kid: string } {
  const { alg, kid, typ } = header;
  if (typeof alg !== 'string' || !(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new TokenError('alg_not_allowed', 'token algorithm is not allowed');
  }
  if (FORBIDDEN_HEADER_MEMBERS.some((member) => member in header)) {
    throw new TokenError('malformed', 'token header carries key material or critical extensions');
  }
  if (typ !== undefined && (typeof typ !== 'string' || typ.toUpperCase() !== 'JWT')) {
    throw new TokenError('malformed', 'token type is not JWT');
  }
  if (typeof kid !== 'string' || kid === '') throw new TokenError('malformed', 'token header has no kid');
  return { alg: alg as SigningAlgorithm, kid };
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function parseAccess(value: unknown): ResourceScope[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TokenError('malformed', 'token access claim is not an array');
  return value.map((entry: unknown) => {
    const e = entry as Partial<Record<'type' | 'name' | 'actions', unknown>> | null;
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.type !== 'string' ||
      typeof e.name !== 'string' ||
      !Array.isArray(e.actions) ||
      !e.actions.every((a) => typeof a === 'string')
    ) {
      throw new TokenError('malformed', 'token access entry is malformed');
    }
    return { type: e.type, name: e.name, actions: [...e.actions] };
  });
}

function checkClaims(payload: Record<string, unknown>, options: VerifyOptions): TokenClaims {
  const { iss, sub, aud, exp, nbf, iat, jti } = payload;
  if (typeof iss !== 'string' || typeof sub !== 'string' || !isNumericDate(exp)) {
    throw new TokenError('malformed', 'token lacks iss, sub or exp');
  }
  if ((nbf !== undefined && !isNumericDate(nbf)) || (iat !== undefined && !isNumericDate(iat))) {
    throw new TokenError('malformed', 'token nbf or iat is not a number');
  }
  if (jti !== undefined && typeof jti !== 'string')
    throw new TokenError('malformed', 'token jti is not a string');
  const access = parseAccess(payload.access);
  if (iss !== options.issuer) throw new TokenError('wrong_issuer');
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(options.audience)) throw new TokenError('wrong_audience');
  const now = (options.now ?? new Date()).getTime() / 1000;
  const skew = options.clockSkewSeconds ?? 30;
  if (now - skew >= exp) throw new TokenError('expired');
  if ((nbf !== undefined && now + skew < nbf) || (iat !== undefined && now + skew < iat)) {
    throw new TokenError('not_yet_valid');
  }
  return {
    iss,
    sub,
    aud: options.audience,
    exp,
    nbf: nbf ?? iat ?? exp,
    iat: iat ?? nbf ?? exp,
    jti: jti ?? '',
    access,
  };
}

/**
 * Verifies a compact JWS and its claims; returns the claims or throws `TokenError`:
 * - `malformed`: not 3 base64url segments, header or payload not a JSON object, no `kid`,
 *   `jwk`/`jku`/`x5c`/`x5u`/`crit` in the header, claims of the wrong types, oversized;
 * - `alg_not_allowed`: `none`, HS*, PS*, anything but ES256/RS256, or an alg that does not fit
 *   the key the kid names (an HS256 token "signed" with our public key is refused here);
 * - `unknown_kid`, `bad_signature`;
 * - `wrong_issuer`, `wrong_audience`, `expired`, `not_yet_valid` (nbf or iat in the future),
 *   checked only once the signature is good, with `clockSkewSeconds` of tolerance.
 * The returned `aud` is the expected audience; a missing `nbf`/`iat` is filled from the other.
 */
export function verifyToken(token: string, options: VerifyOptions): TokenClaims {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) {
    throw new TokenError('malformed', 'token is not a string of acceptable length');
  }
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('malformed', 'token does not have three segments');
  if (!parts.every((part) => SEGMENT.test(part)))
    throw new TokenError('malformed', 'token segment is not base64url');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const { alg, kid } = checkHeader(decodeJsonObject(headerPart, 'header'));
  const key = resolveKey(options.keys, kid);
  if (!key) throw new TokenError('unknown_kid');
  if (algorithmOf(key) !== alg)
    throw new TokenError('alg_not_allowed', 'token algorithm does not fit its key');
  const signature = decodeSegment(signaturePart);
  let valid: boolean;
  try {
    valid = verify(
      'sha256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      { key, dsaEncoding: 'ieee-p1363' },
      signature,
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new TokenError('bad_signature');
  return checkClaims(decodeJsonObject(payloadPart, 'payload'), options);
}
