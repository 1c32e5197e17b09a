import { formatScopes, type ResourceScope } from './scope.js';

/**
 * The HTTP side of authentication that is pure text: building `WWW-Authenticate` challenges
 * (RFC 6750 §3, as Docker clients expect them) and reading `Authorization` headers. The parsers
 * never throw: garbage is `undefined`, which the caller treats as "no credentials".
 */

/** Headers longer than this are refused without being decoded. */
export const MAX_AUTHORIZATION_LENGTH = 8192;

/** RFC 6750 error codes for a challenge: a bad token, or a good token without the needed scope. */
export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

export interface BearerChallengeInput {
  /** The token endpoint URL (`BERTH_TOKEN_REALM`). */
  realm: string;
  /** The audience the token must be for. */
  service: string;
  /** What the request needs; omitted from the header when empty (e.g. `GET /v2/`). */
  scopes?: readonly ResourceScope[];
  error?: BearerError;
}

/** An RFC 7230 quoted-string: `\` and `"` escaped, control characters dropped (no header injection). */
function quoted(value: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * `Bearer realm="…",service="…",scope="repository:a/b:pull,push repository:c/d:pull",error="…"`:
 * the exact order and punctuation Docker's own registry sends, every scope in one `scope`
 * parameter, space-separated.
 */
export function bearerChallenge(input: BearerChallengeInput): string {
  const params = [`realm=${quoted(input.realm)}`, `service=${quoted(input.service)}`];
  if (input.scopes && input.scopes.length > 0) params.push(`scope=${quoted(formatScopes(input.scopes))}`);
  if (input.error) params.push(`error=${quoted(input.error)}`);
  return `Bearer ${params.join(',')}`;
}

/** `Basic realm="…",charset="UTF-8"` (RFC 7617), for the admin API. */
export function basicChallenge(realm: string): string {
  return `Basic realm=${quoted(realm)},charset="UTF-8"`;
}

export interface BasicCredentials {
  username: string;
  password: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function credentialsOf(header: unknown, scheme: string): string | undefined {
  if (typeof header !== 'string' || header.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  const match = /^([A-Za-z]+) +(\S+) *$/.exec(header);
  if (!match || match[1]!.toLowerCase() !== scheme) return undefined;
  return match[2];
}

/**
 * Reads `Authorization: Basic base64(user:password)` (RFC 7617). Undefined for another scheme,
 * bad or non-canonical base64, invalid UTF-8, no colon, an empty username, control characters,
 * or a header over 8 KiB. The password is everything after the first colon and may be empty.
 */
export function parseBasicAuth(header: string | undefined | null): BasicCredentials | undefined {
  const encoded = credentialsOf(header, 'basic');
  if (encoded === undefined || !BASE64.test(encoded)) return undefined;
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0 || CONTROL.test(decoded)) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Reads `Authorization: Bearer <token68>`. Undefined for anything else or a header over 8 KiB. */
export function parseBearer(header: string | undefined | null): string | undefined {
  const token = credentialsOf(header, 'bearer');
  return token !== undefined && TOKEN68.test(token) ? token : undefined;
}

export type Authorization = ({ scheme: 'basic' } & BasicCredentials) | { scheme: 'bearer'; token: string };

/** Either scheme, or undefined (absent, unknown scheme, or garbage). */
export function parseAuthorization(header: string | undefined | null): Authorization | undefined {
  const basic = parseBasicAuth(header);
  if (basic) return { scheme: 'basic', ...basic };
  const token = parseBearer(header);
  return token === undefined ? undefined : { scheme: 'bearer', token };
}
