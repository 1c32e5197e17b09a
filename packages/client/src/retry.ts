import { isRegistryClientError } from './errors.js';

/**
 * Exponential backoff for idempotent requests: GET, HEAD, a whole blob copy that is restarted
 * from scratch. Never for a request whose repetition would change the outcome (a PATCH at an
 * offset, a POST that opens a session), unless the caller restarts the whole operation.
 */
export interface RetryPolicy {
  /** Total tries including the first; 1 disables retries. Default 3. */
  attempts: number;
  /** Delay before the second try, ms. Default 200. */
  baseDelayMs: number;
  /** Upper bound of one delay, ms. Default 5000. */
  maxDelayMs: number;
  /** Multiplier between consecutive delays. Default 2. */
  factor: number;
  /** Random spread of each delay, 0..1 (0.2 = ±20%), so clients do not retry in lock-step. Default 0.2. */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  factor: 2,
  jitter: 0.2,
};

/** Network failures worth another try: the peer went away or the network hiccupped. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'TIMEOUT',
]);

/**
 * Whether `error` is transient: a 5xx or 429 answer, or a network failure (by `code`, also on
 * `cause` chains, as fetch wraps socket errors). 4xx answers and digest mismatches are not.
 */
export function isRetryableError(error: unknown): boolean {
  if (isRegistryClientError(error)) {
    if (error.status >= 500 || error.status === 429) return true;
    if (error.status !== 0) return false;
    if (RETRYABLE_CODES.has(error.code)) return true;
    return hasRetryableCause(error.cause);
  }
  return hasRetryableCause(error);
}

function hasRetryableCause(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
  return hasRetryableCause((error as { cause?: unknown }).cause, depth + 1);
}

/** The delay before try `attempt + 1` (attempt counts from 1), before jitter. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** (attempt - 1));
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  /** Overrides `isRetryableError`. */
  retryable?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to log `{attempt, delayMs}` (never the error's credentials: there are none). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Aborts the waits (the running try is the callee's business). */
  signal?: AbortSignal;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * Runs `operation` until it succeeds, fails with a non-retryable error, or `attempts` tries are
 * spent; then rethrows the last error unchanged. `operation` receives the 1-based try number.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const retryable = options.retryable ?? isRetryableError;
  const sleep = options.sleep ?? ((ms: number) => delay(ms, options.signal));
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !retryable(error) || options.signal?.aborted) throw error;
      const base = backoffDelay(policy, attempt);
      const delayMs = Math.max(0, Math.round(base * (1 + policy.jitter * (2 * random() - 1))));
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
