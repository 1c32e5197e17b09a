import { request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { freePort } from './api-process.js';

/** Which requests a fault applies to (default: every request). */
export type RequestMatcher = (request: { method: string; path: string }) => boolean;

/** One request as the proxy saw it: what it did with it and the status the client got. */
export interface ProxiedRequest {
  method: string;
  path: string;
  /** `forwarded`, `failed` (answered 500 by the proxy), `dropped` (the client left while held). */
  outcome: 'forwarded' | 'failed' | 'dropped';
  status: number;
}

/**
 * An HTTP proxy on loopback in front of a registry, for fault tests: it forwards requests
 * unchanged (the `Host` header too, so the registry's `Location` URLs point at the proxy) and
 * can, on demand, answer 500 instead (`failNext`, `failFor`) or hold requests until released
 * (`hold`, `release`), so a client is provably in the middle of a transfer.
 */
export interface FaultyProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Answers 500 (an OCI error body) to the next `count` matching requests. */
  failNext(count: number, match?: RequestMatcher): void;
  /** Answers 500 to every matching request for the next `ms` milliseconds. */
  failFor(ms: number, match?: RequestMatcher): void;
  /** Holds matching requests (unanswered, bodies unread) until `release()`. */
  hold(match?: RequestMatcher): void;
  /** Stops holding; held requests whose client is still there are forwarded. */
  release(): void;
  /** Requests held right now. */
  held(): number;
  /** Every request so far, in arrival order of their answers. */
  requests(): readonly ProxiedRequest[];
  close(): Promise<void>;
}

const always: RequestMatcher = () => true;

/** Whether the client went away (a held request whose process was killed). */
function gone(request: IncomingMessage, response: ServerResponse): boolean {
  return response.destroyed || request.socket.destroyed;
}

export async function startFaultyProxy(upstream: string): Promise<FaultyProxy> {
  const target = new URL(upstream);
  const port = await freePort();
  const seen: ProxiedRequest[] = [];
  let failCount = { left: 0, match: always };
  let failUntil = { at: 0, match: always };
  let holding: RequestMatcher | undefined;
  const waiting: { request: IncomingMessage; response: ServerResponse; path: string }[] = [];

  const answer500 = (request: IncomingMessage, response: ServerResponse, path: string) => {
    request.resume();
    const body = JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'injected fault (test proxy)' }] });
    response.writeHead(500, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
    seen.push({ method: request.method ?? '', path, outcome: 'failed', status: 500 });
  };

  const forward = (request: IncomingMessage, response: ServerResponse, path: string) => {
    if (gone(request, response)) {
      seen.push({ method: request.method ?? '', path, outcome: 'dropped', status: 0 });
      return;
    }
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (incoming) => {
        seen.push({
          method: request.method ?? '',
          path,
          outcome: 'forwarded',
          status: incoming.statusCode ?? 0,
        });
        response.writeHead(incoming.statusCode ?? 502, incoming.rawHeaders);
        incoming.pipe(response);
      },
    );
    outgoing.on('error', () => response.destroy());
    response.on('close', () => {
      if (!response.writableFinished) outgoing.destroy();
    });
    request.pipe(outgoing);
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const what = { method: request.method ?? '', path };
    if (failCount.left > 0 && failCount.match(what)) {
      failCount.left -= 1;
      return answer500(request, response, path);
    }
    if (Date.now() < failUntil.at && failUntil.match(what)) return answer500(request, response, path);
    if (holding?.(what)) {
      waiting.push({ request, response, path });
      return;
    }
    forward(request, response, path);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    url: `http://127.0.0.1:${port}`,
    failNext(count, match = always) {
      failCount = { left: count, match };
    },
    failFor(ms, match = always) {
      failUntil = { at: Date.now() + ms, match };
    },
    hold(match = always) {
      holding = match;
    },
    release() {
      holding = undefined;
      for (const { request, response, path } of waiting.splice(0)) forward(request, response, path);
    },
    held: () => waiting.filter(({ request, response }) => !gone(request, response)).length,
    requests: () => seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const { response } of waiting.splice(0)) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
