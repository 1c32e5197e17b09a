/**
 * A client-side view of registry authentication for tests: answers the api's Bearer challenge
 * the way docker and skopeo do (GET the realm with Basic credentials and the challenged scope),
 * caches tokens per scope, and retries. Works unchanged against any registry using the Docker
 * token spec, and passes Basic credentials through to registries that challenge for Basic.
 */
export interface Credentials {
  username: string;
  password: string;
}

interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^(\w+)\s+(.*)$/.exec(header.trim());
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  for (const part of match[2]!.matchAll(/(\w+)="([^"]*)"/g)) params[part[1]!] = part[2]!;
  return { scheme, params };
}

export function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** Fetches a registry token for the challenge; anonymous when `credentials` is undefined. */
export async function fetchToken(challenge: Challenge, credentials?: Credentials): Promise<string> {
  const realm = challenge.params.realm;
  if (!realm) throw new Error('bearer challenge without realm');
  const url = new URL(realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  for (const scope of (challenge.params.scope ?? '').split(' ').filter(Boolean)) {
    url.searchParams.append('scope', scope);
  }
  const response = await fetch(url, {
    headers: credentials ? { Authorization: basicHeader(credentials) } : {},
  });
  if (!response.ok) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error('token response without token');
  return token;
}

/**
 * A `fetch` that authenticates like a registry client. Bodies must be replayable (strings or
 * Buffers) when a challenge forces a retry; streams are sent once, after the token is known,
 * by calling `authorize(url, method)` first.
 */
export type AuthenticatedFetch = typeof fetch & {
  authorize(url: string): Promise<Record<string, string>>;
};

export function authenticatedFetch(credentials?: Credentials): AuthenticatedFetch {
  const tokens = new Map<string, string>();
  const keyOf = (challenge: Challenge) => `${challenge.params.realm} ${challenge.params.scope ?? ''}`;
  let lastToken: string | undefined;

  const withAuth = (init: RequestInit | undefined, authorization: string | undefined): RequestInit => {
    const headers = new Headers(init?.headers);
    if (authorization && !headers.has('authorization')) headers.set('authorization', authorization);
    return { ...init, headers };
  };

  async function answer(response: Response): Promise<string | undefined> {
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') return credentials ? basicHeader(credentials) : undefined;
    const key = keyOf(challenge);
    let token = tokens.get(key);
    if (!token) {
      token = await fetchToken(challenge, credentials);
      tokens.set(key, token);
    }
    lastToken = token;
    return `Bearer ${token}`;
  }

  const authFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const first = await fetch(input, withAuth(init, lastToken && `Bearer ${lastToken}`));
    if (first.status !== 401 && first.status !== 403) return first;
    const authorization = await answer(first);
    if (!authorization) return first;
    await first.arrayBuffer().catch(() => undefined);
    return fetch(input, withAuth(init, authorization));
  };

  /**
   * Headers that authorize requests to `url` whose body is a stream (which a retry could not
   * replay): a HEAD probe answers the challenge first (upload URLs challenge for push whatever the method).
   */
  authFetch.authorize = async (url: string): Promise<Record<string, string>> => {
    const probe = await fetch(url, {
      ...withAuth(undefined, lastToken && `Bearer ${lastToken}`),
      method: 'HEAD',
    });
    await probe.arrayBuffer().catch(() => undefined);
    const authorization = probe.status === 401 || probe.status === 403 ? await answer(probe) : undefined;
    return authorization ? { authorization } : lastToken ? { authorization: `Bearer ${lastToken}` } : {};
  };

  return authFetch;
}
