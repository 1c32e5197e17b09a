import { challengeScopes, preferredChallenge, type Challenge } from './challenge.js';
import { errorFromResponse, RegistryClientError } from './errors.js';

/** A user or robot account of the remote registry (or of its token service). */
export interface Credentials {
  username: string;
  password: string;
}

/** Sends a request without authentication logic (timeouts, TLS settings already applied). */
export type PlainFetch = (url: string, init: RequestInit) => Promise<Response>;

/** What the registry asked for, as learnt from its challenges. */
type Scheme = { kind: 'unknown' } | { kind: 'basic' } | { kind: 'bearer'; realm: string; service?: string };

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not used any more (a safety margin before its expiry). */
  usableUntil: number;
}

/** The token spec's default lifetime when `expires_in` is absent. */
const DEFAULT_EXPIRES_IN = 60;
const MAX_CACHED_TOKENS = 256;

/**
 * Answers registry challenges (distribution's token spec, and RFC 7617 Basic).
 *
 * - Bearer: GETs the realm with `service` and every scope of the request and of the challenge
 *   (each as its own `scope` parameter), with Basic credentials when there are any, anonymous
 *   otherwise. Tokens are cached per scope set until shortly before `expires_in` (60 s when
 *   absent). Once the registry is known to want Bearer, tokens are fetched before the request,
 *   so streamed bodies are sent once.
 * - Basic: the credentials go with every request once the registry has asked for them.
 *
 * Credentials and tokens never appear in errors: a refused token request is a
 * `RegistryClientError` 401 naming the realm, not the password.
 */
export class Authenticator {
  private scheme: Scheme = { kind: 'unknown' };
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly send: PlainFetch,
    private readonly credentials: Credentials | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The `Authorization` value to send with a request needing `scopes`, or undefined while the
   * registry has not challenged yet (or wants none). May fetch a token.
   */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    switch (this.scheme.kind) {
      case 'unknown':
        return undefined;
      case 'basic':
        return this.basic();
      case 'bearer':
        return `Bearer ${await this.token(this.scheme, normalize(scopes), false)}`;
    }
  }

  /**
   * Answers a 401: learns the scheme and returns the `Authorization` to retry with, or undefined
   * when retrying cannot help (no credentials for Basic, Basic credentials already refused, no
   * usable challenge). `sent` is the `Authorization` the refused request carried.
   */
  async answer(
    response: Response,
    scopes: readonly string[],
    sent: string | undefined,
  ): Promise<string | undefined> {
    const challenge = preferredChallenge(response.headers.get('www-authenticate'));
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      this.scheme = { kind: 'basic' };
      const basic = this.basic();
      return basic === undefined || sent === basic ? undefined : basic;
    }
    const scheme = bearerScheme(challenge);
    this.scheme = scheme;
    const wanted = normalize([...scopes, ...challengeScopes(challenge)]);
    // A token we sent was refused (expired, revoked or too narrow): never reuse the cache.
    const token = await this.token(scheme, wanted, sent !== undefined);
    const authorization = `Bearer ${token}`;
    if (authorization === sent) return undefined;
    // The next request for the same operation should start with the broader token.
    this.remember(key(scheme, normalize(scopes)), this.tokens.get(key(scheme, wanted))!);
    return authorization;
  }

  private basic(): string | undefined {
    if (!this.credentials) return undefined;
    const { username, password } = this.credentials;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  private async token(
    scheme: Extract<Scheme, { kind: 'bearer' }>,
    scopes: string[],
    fresh: boolean,
  ): Promise<string> {
    const cacheKey = key(scheme, scopes);
    const cached = this.tokens.get(cacheKey);
    if (!fresh && cached && cached.usableUntil > this.now()) return cached.token;
    const issued = await this.fetchToken(scheme, scopes);
    this.remember(cacheKey, issued);
    return issued.token;
  }

  private remember(cacheKey: string, token: CachedToken): void {
    this.tokens.delete(cacheKey);
    this.tokens.set(cacheKey, token);
    if (this.tokens.size > MAX_CACHED_TOKENS) this.tokens.delete(this.tokens.keys().next().value!);
  }

  private async fetchToken(
    scheme: Extract<Scheme, { kind: 'bearer' }>,
    scopes: string[],
  ): Promise<CachedToken> {
    let url: URL;
    try {
      url = new URL(scheme.realm);
    } catch {
      throw new RegistryClientError('the Bearer challenge names an invalid realm', {
        status: 401,
        code: 'UNAUTHORIZED',
      });
    }
    if (scheme.service !== undefined) url.searchParams.set('service', scheme.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    if (this.credentials) url.searchParams.set('account', this.credentials.username);
    const headers: Record<string, string> = { accept: 'application/json' };
    const basic = this.basic();
    if (basic) headers.authorization = basic;
    const requestedAt = this.now();
    const response = await this.send(url.toString(), { method: 'GET', headers });
    if (!response.ok) {
      const error = await errorFromResponse(response, 'GET', url);
      throw new RegistryClientError(
        `token request failed${this.credentials ? ` for user ${this.credentials.username}` : ' (anonymous)'}: ${error.message}`,
        {
          status: response.status,
          code: error.code,
          url: scheme.realm,
          ...(error.detail !== undefined && { detail: error.detail }),
        },
      );
    }
    const body = (await response.json().catch(() => ({}))) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const token = typeof body.token === 'string' && body.token ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new RegistryClientError('the token service answered without a token', {
        status: response.status,
        code: 'UNEXPECTED_RESPONSE',
        url: scheme.realm,
      });
    }
    const expiresIn =
      typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRES_IN;
    // Stop using a token a little before it expires: clocks and request latency differ.
    const margin = Math.min(10, expiresIn / 10);
    return { token, usableUntil: requestedAt + (expiresIn - margin) * 1000 };
  }
}

function bearerScheme(challenge: Challenge): Extract<Scheme, { kind: 'bearer' }> {
  const realm = challenge.params.realm!;
  const service = challenge.params.service;
  return service === undefined ? { kind: 'bearer', realm } : { kind: 'bearer', realm, service };
}

function key(scheme: Extract<Scheme, { kind: 'bearer' }>, scopes: string[]): string {
  return `${scheme.realm}\n${scheme.service ?? ''}\n${scopes.join(' ')}`;
}

/** Deduplicated, sorted, with the actions of one resource merged (`pull` + `push` → `pull,push`). */
export function normalize(scopes: readonly string[]): string[] {
  const actions = new Map<string, Set<string>>();
  for (const scope of scopes) {
    const last = scope.lastIndexOf(':');
    if (last <= 0) continue;
    const resource = scope.slice(0, last);
    const set = actions.get(resource) ?? new Set<string>();
    for (const action of scope.slice(last + 1).split(',')) if (action) set.add(action);
    actions.set(resource, set);
  }
  return [...actions.entries()].map(([resource, set]) => `${resource}:${[...set].sort().join(',')}`).sort();
}

/** `repository:<name>:<actions>`, the scope grammar of the token spec. */
export function repositoryScope(name: string, ...actions: string[]): string {
  return `repository:${name}:${actions.join(',')}`;
}

/** The scope `GET /v2/_catalog` needs. */
export const CATALOG_SCOPE = 'registry:catalog:*';
