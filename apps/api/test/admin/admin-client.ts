// A small client for the admin API in end-to-end specs: JSON in, status + headers + JSON out,
// with Basic, Bearer or no credentials.
import { basicHeader, type Credentials } from '@berth/testing';

export type Auth = Credentials | { bearer: string } | undefined;

export interface AdminResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are asserted, not typed
  body: any;
}

export class AdminClient {
  constructor(
    readonly url: string,
    readonly auth: Auth,
  ) {}

  as(auth: Auth): AdminClient {
    return new AdminClient(this.url, auth);
  }

  async request(method: string, path: string, body?: unknown, raw?: string): Promise<AdminResponse> {
    const headers: Record<string, string> = {};
    if (this.auth && 'bearer' in this.auth) headers.authorization = `Bearer ${this.auth.bearer}`;
    else if (this.auth) headers.authorization = basicHeader(this.auth);
    let payload: string | undefined = raw;
    if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  get(path: string) {
    return this.request('GET', path);
  }
  post(path: string, body?: unknown) {
    return this.request('POST', path, body);
  }
  put(path: string, body?: unknown) {
    return this.request('PUT', path, body);
  }
  delete(path: string) {
    return this.request('DELETE', path);
  }
}

/** The `key` field of every item of a listing body. */
export function fieldOf(response: AdminResponse, key = 'name'): string[] {
  return (response.body as Record<string, string>[]).map((item) => item[key]!);
}

/** The actions a registry token grants, over all its access entries, sorted. */
export function tokenActions(token: string): string[] {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
    access: { actions: string[] }[];
  };
  return claims.access.flatMap((entry) => entry.actions).sort();
}

/** Asserts nothing; returns whether a response is an RFC 9457 problem body with `status`. */
export function isProblem(response: AdminResponse, status: number): boolean {
  return (
    response.status === status &&
    (response.headers.get('content-type') ?? '').startsWith('application/problem+json') &&
    typeof response.body?.title === 'string' &&
    response.body?.status === status
  );
}

/** Creates a user as `admin` and returns its id and credentials. */
export async function createUser(
  admin: AdminClient,
  username: string,
  password = 'password-of-' + username,
): Promise<{ id: string; credentials: Credentials }> {
  const response = await admin.post('/api/v1/users', { username, password });
  if (response.status !== 201)
    throw new Error(`creating ${username}: ${response.status} ${JSON.stringify(response.body)}`);
  return { id: response.body.id, credentials: { username, password } };
}

/** A registry token from the token service for `scope`, or the status it refused with. */
export async function requestToken(
  tokenUrl: string,
  service: string,
  scope: string,
  credentials?: Credentials,
): Promise<{ status: number; token?: string }> {
  const url = new URL(`${tokenUrl}/service/token`);
  url.searchParams.set('service', service);
  url.searchParams.set('scope', scope);
  const response = await fetch(url, {
    headers: credentials ? { authorization: basicHeader(credentials) } : {},
  });
  if (response.status !== 200) return { status: response.status };
  const body = (await response.json()) as { token: string };
  return { status: 200, token: body.token };
}
