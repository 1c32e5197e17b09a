import { Readable } from 'node:stream';
import { Authenticator, type Credentials } from './auth.js';
import { discard, errorFromResponse, RegistryClientError } from './errors.js';
import { createNodeFetch } from './node-fetch.js';
import { withRetry, type RetryPolicy } from './retry.js';

/** A request body, produced anew for every try (auth challenges and retries resend it). */
export type BodyFactory = () => Buffer | AsyncIterable<Uint8Array>;

export interface TransportRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** Absolute, or a path resolved against the registry URL. */
  url: string | URL;
  /** Token scopes the request needs (`repository:a/b:pull`). */
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: BodyFactory;
  /** Statuses that are answers, not errors. Others throw a `RegistryClientError`. */
  ok: readonly number[];
  /** Retry transient failures (default: GET and HEAD only). */
  idempotent?: boolean;
}

export interface TransportResponse {
  response: Response;
  /** The URL that answered (after redirects). */
  url: string;
}

export interface TransportOptions {
  url: string;
  credentials?: Credentials;
  insecure?: boolean;
  userAgent?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

const MAX_REDIRECTS = 5;
const MAX_AUTH_ROUNDS = 2;

/**
 * HTTP for one registry: authentication, redirects, idle timeouts, retries of idempotent
 * requests, and `RegistryClientError` for every failure.
 *
 * Authorization is only ever sent to the registry's own origin: a redirect to blob storage on
 * another host (S3, a CDN) gets none, as in Go's and browsers' clients.
 */
export class Transport {
  readonly base: URL;
  private readonly auth: Authenticator;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly retry: Partial<RetryPolicy>;

  constructor(options: TransportOptions) {
    this.base = parseRegistryUrl(options.url, options.insecure ?? false);
    this.fetchImpl = options.fetch ?? createNodeFetch({ insecure: options.insecure ?? false });
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.userAgent = options.userAgent ?? 'berth-client/0.1';
    this.retry = options.retry ?? {};
    this.auth = new Authenticator((url, init) => this.plain(url, init), options.credentials);
  }

  /** Resolves a path (or absolute URL) against the registry URL. */
  resolve(url: string | URL): URL {
    return new URL(url, this.base);
  }

  /**
   * Sends `request` and returns the first answer whose status is in `ok`. The body of the answer
   * is the caller's to consume or cancel.
   */
  async send(request: TransportRequest): Promise<TransportResponse> {
    const idempotent = request.idempotent ?? (request.method === 'GET' || request.method === 'HEAD');
    if (!idempotent) return this.once(request);
    return withRetry(() => this.once(request), { policy: this.retry });
  }

  private async once(request: TransportRequest): Promise<TransportResponse> {
    let url = this.resolve(request.url);
    let authorization = this.sameOrigin(url) ? await this.auth.authorization(request.scopes) : undefined;
    let authRounds = 0;
    let redirects = 0;
    for (;;) {
      const response = await this.exchange(request, url, authorization);
      if (response.status === 401 && this.sameOrigin(url) && authRounds < MAX_AUTH_ROUNDS) {
        authRounds += 1;
        const next = await this.auth.answer(response, request.scopes, authorization);
        if (next !== undefined) {
          await discard(response);
          authorization = next;
          continue;
        }
      }
      const location = response.headers.get('location');
      if (isRedirect(response.status) && location && !request.ok.includes(response.status)) {
        await discard(response);
        if (++redirects > MAX_REDIRECTS) {
          throw new RegistryClientError('too many redirects', {
            status: response.status,
            code: 'UNEXPECTED_RESPONSE',
            method: request.method,
            url: url.toString(),
          });
        }
        url = new URL(location, url);
        authorization = this.sameOrigin(url) ? await this.auth.authorization(request.scopes) : undefined;
        continue;
      }
      if (request.ok.includes(response.status)) return { response, url: url.toString() };
      throw await errorFromResponse(response, request.method, url);
    }
  }

  private async exchange(
    request: TransportRequest,
    url: URL,
    authorization: string | undefined,
  ): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...request.headers };
    if (authorization) headers.authorization = authorization;
    const idle = new IdleTimer(this.timeoutMs);
    const source = request.body?.();
    const init: RequestInit & { duplex?: 'half' } = {
      method: request.method,
      headers,
      redirect: 'manual',
      signal: idle.signal,
    };
    if (source !== undefined) {
      init.body = Buffer.isBuffer(source) ? source : touching(source, idle);
      if (!Buffer.isBuffer(source)) init.duplex = 'half';
    }
    try {
      const response = await this.fetchImpl(url, init);
      return watchBody(response, idle);
    } catch (error) {
      idle.clear();
      throw networkError(error, idle.fired, request.method, url);
    } finally {
      if (source instanceof Readable && !source.readableEnded) source.destroy();
    }
  }

  /** A request to the token service: TLS settings and timeouts, no auth logic. */
  private async plain(url: string, init: RequestInit): Promise<Response> {
    const idle = new IdleTimer(this.timeoutMs);
    const options: RequestInit = {
      ...init,
      headers: { 'user-agent': this.userAgent, ...(init.headers as Record<string, string>) },
      signal: idle.signal,
    };
    try {
      return watchBody(await this.fetchImpl(url, options), idle);
    } catch (error) {
      idle.clear();
      throw networkError(error, idle.fired, 'GET', new URL(url));
    }
  }

  private sameOrigin(url: URL): boolean {
    return url.origin === this.base.origin;
  }
}

/**
 * Aborts a request when nothing moved for `ms`: no request body chunk was taken and no answer
 * (headers or body chunk) arrived. Progressing transfers of any size never time out.
 */
class IdleTimer {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  fired = false;

  constructor(private readonly ms: number) {
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(
        new RegistryClientError(`no progress for ${this.ms} ms`, { status: 0, code: 'TIMEOUT' }),
      );
    }, this.ms);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

async function* touching(source: AsyncIterable<Uint8Array>, idle: IdleTimer): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    idle.touch();
    yield chunk;
  }
}

/** The answer with a body that keeps the idle timer alive while it flows and stops it at the end. */
function watchBody(response: Response, idle: IdleTimer): Response {
  idle.touch();
  if (!response.body) {
    idle.clear();
    return response;
  }
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        idle.touch();
        controller.enqueue(chunk);
      },
      flush() {
        idle.clear();
      },
    }),
  );
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function networkError(error: unknown, timedOut: boolean, method: string, url: URL): RegistryClientError {
  if (error instanceof RegistryClientError) return error;
  const code = timedOut ? 'TIMEOUT' : (systemCode(error) ?? 'NETWORK_ERROR');
  const reason = timedOut ? 'no progress before the timeout' : messageOf(error);
  return new RegistryClientError(`request failed: ${reason}`, {
    status: 0,
    code,
    method,
    url: url.toString(),
    cause: error,
  });
}

function systemCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return systemCode((error as { cause?: unknown }).cause, depth + 1);
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The registry's base URL. Plain `http://` is refused unless `insecure` is set or the host is
 * loopback (Docker's own rule for insecure registries); userinfo in the URL is refused, since
 * credentials belong in `credentials`.
 */
export function parseRegistryUrl(raw: string, insecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`);
  } catch {
    throw new RegistryClientError(
      `invalid registry URL ${JSON.stringify(raw.replace(/\/\/[^/@]*@/, '//'))}`,
      {
        status: 0,
        code: 'INVALID_URL',
      },
    );
  }
  if (url.username || url.password) {
    throw new RegistryClientError('registry URL must not carry credentials; pass them as credentials', {
      status: 0,
      code: 'INVALID_URL',
      url: url.toString(),
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RegistryClientError(`unsupported scheme ${url.protocol}`, {
      status: 0,
      code: 'INVALID_URL',
      url: url.toString(),
    });
  }
  if (
    url.protocol === 'http:' &&
    !insecure &&
    !LOOPBACK.has(url.hostname) &&
    !url.hostname.startsWith('127.')
  ) {
    throw new RegistryClientError('plain http needs insecure: true', {
      status: 0,
      code: 'INSECURE_URL',
      url: url.toString(),
    });
  }
  // Registries live at the origin (`/v2/`), a path prefix is kept for reverse proxies.
  url.pathname = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  url.search = '';
  url.hash = '';
  return url;
}
