import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };

/** Every named schema of the admin API: `Schemas['Project']`, `Schemas['GcRun']`, … */
export type Schemas = components['schemas'];
/** The RFC 9457 problem body of every failure. */
export type Problem = Schemas['Problem'];

/** HTTP Basic with a user's name and password, or a robot's full name (`robot$…`) and secret. */
export interface PasswordCredentials {
  username: string;
  password: string;
}

/** A registry token from Berth's token service, issued for this registry's `service`. */
export interface TokenCredentials {
  token: string;
}

export type BerthClientOptions = {
  /** Where the api answers, e.g. `http://127.0.0.1:5000` (the paths carry `/api/v1`). */
  baseUrl: string;
  /** Another `fetch` (a proxy agent, a test double); the global one by default. */
  fetch?: (input: Request) => Promise<Response>;
} & (PasswordCredentials | TokenCredentials | { username?: undefined; token?: undefined });

export type BerthClient = Client<paths, 'application/json'>;

/**
 * A typed client of the admin API (`openapi-fetch` over the generated `paths`): every call is
 * checked against the document, e.g.
 *
 * ```ts
 * const berth = createBerthClient({ baseUrl, username: 'admin', password });
 * const { data, error } = await berth.POST('/api/v1/projects', { body: { name: 'demo', public: false } });
 * ```
 *
 * Answers are `{data}` on success and `{error}` (a `Problem`) on failure, with the `response`
 * beside them for headers such as `X-Total-Count`. Without credentials, calls are anonymous
 * (only `/api/v1/health` answers those).
 */
export function createBerthClient(options: BerthClientOptions): BerthClient {
  const authorization = authorizationOf(options);
  return createClient<paths, 'application/json'>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch && { fetch: options.fetch }),
    headers: authorization === undefined ? {} : { Authorization: authorization },
  });
}

function authorizationOf(options: BerthClientOptions): string | undefined {
  if ('token' in options && options.token !== undefined) return `Bearer ${options.token}`;
  if ('password' in options && options.username !== undefined) {
    const pair = new TextEncoder().encode(`${options.username}:${options.password}`);
    return `Basic ${btoa(String.fromCharCode(...pair))}`;
  }
  return undefined;
}

/** A failed call: the problem body the api answered, with its status. */
export class BerthApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem?.title ?? `the api answered ${status}`);
    this.name = 'BerthApiError';
  }
}

/** The data of a successful call; throws `BerthApiError` with the problem body otherwise. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  const problem =
    typeof result.error === 'object' && result.error !== null ? (result.error as Problem) : undefined;
  throw new BerthApiError(result.response.status, problem);
}

/** `X-Total-Count` of a listing's answer: the items across all pages. */
export function totalCount(response: Response): number | undefined {
  const value = response.headers.get('X-Total-Count');
  return value === null ? undefined : Number(value);
}

/** The `rel="next"` link of a listing's answer (a path with its query), or `undefined` on the last page. */
export function nextPage(response: Response): string | undefined {
  return /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('Link') ?? '')?.[1];
}
