import { Agent, request, type IncomingHttpHeaders } from 'node:http';

/** One request of a load test; the body, if any, must be small (it is held in memory). */
export interface LoadRequest {
  method: string;
  /** Absolute URL, or a path on the load's base URL. */
  url: string;
  headers?: Record<string, string | number>;
  body?: Buffer;
}

export interface LoadResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A keep-alive HTTP client for a closed-loop load: one agent, sockets reused across requests. */
export class LoadClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  send(req: LoadRequest, timeoutMs = 30_000): Promise<LoadResponse> {
    const url = new URL(req.url, this.baseUrl);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method: req.method,
          agent: this.agent,
          headers: { ...req.headers, ...(req.body && { 'content-length': req.body.length }) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`${req.method} ${url.pathname} timed out`)));
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoadResult {
  /** Completed operations (successful or not) per second of the window. */
  perSecond: number;
  operations: number;
  /** Operations that failed: an unexpected status or a network error. */
  errors: number;
  /** A few error descriptions, for the report. */
  errorSamples: string[];
  p50Ms: number;
  p99Ms: number;
  seconds: number;
}

export interface LoadOptions {
  concurrency: number;
  /** Window length; the loop stops issuing new operations when it ends. */
  seconds: number;
  /** Upper bound on operations, whatever the window (keeps every loop bounded). */
  maxOperations?: number;
  /** Operations before the window that are not counted (connection set-up, JIT). */
  warmup?: number;
}

/**
 * A closed-loop load: `concurrency` workers, each issuing one operation after the other until
 * the window ends or `maxOperations` were started. An operation resolves when it succeeded and
 * throws (or rejects) when it failed; `worker` is the worker's index, `n` the operation number.
 */
export async function closedLoop(
  options: LoadOptions,
  operation: (worker: number, n: number) => Promise<void>,
): Promise<LoadResult> {
  const maxOperations = options.maxOperations ?? 5_000_000;
  for (let i = 0; i < (options.warmup ?? 0); i++) {
    await Promise.all(
      Array.from({ length: options.concurrency }, (_, w) => operation(w, -1 - i).catch(() => undefined)),
    );
  }
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let started = 0;
  let errors = 0;
  const begin = performance.now();
  const end = begin + options.seconds * 1000;
  const worker = async (index: number) => {
    while (performance.now() < end && started < maxOperations) {
      const n = started++;
      const t0 = performance.now();
      try {
        await operation(index, n);
      } catch (error) {
        errors++;
        if (errorSamples.length < 5)
          errorSamples.push(error instanceof Error ? error.message : String(error));
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - begin) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    perSecond: latencies.length / seconds,
    operations: latencies.length,
    errors,
    errorSamples,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    seconds,
  };
}

/** Throws unless the response has one of the expected statuses. */
export function expectStatus(response: LoadResponse, what: string, ...expected: number[]): LoadResponse {
  if (!expected.includes(response.status)) {
    throw new Error(`${what}: ${response.status} ${response.body.toString('utf8').slice(0, 200)}`);
  }
  return response;
}
