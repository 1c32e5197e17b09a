/**
 * The one error type of the client. Every failure it reports (an HTTP error answer, a network
 * failure, a digest that does not match) is a `RegistryClientError`, so callers such as
 * replication branch on `status` and `code`, never on message text.
 */
export interface RegistryClientErrorOptions {
  /** HTTP status of the answer; 0 when there was none (network failure, local verification). */
  status: number;
  /**
   * The OCI error code of the answer's body (`BLOB_UNKNOWN`, `DENIED`, …); otherwise a client
   * code: `DIGEST_MISMATCH`, `SIZE_MISMATCH`, `UNEXPECTED_RESPONSE`, `TIMEOUT`, or the system
   * code of a network failure (`ECONNRESET`, `ECONNREFUSED`, …).
   */
  code: string;
  /** Request method. */
  method?: string;
  /** Request URL; userinfo is removed before it is stored. */
  url?: string;
  /** The `detail` of the OCI error body, if any. */
  detail?: unknown;
  cause?: unknown;
}

export class RegistryClientError extends Error {
  readonly status: number;
  readonly code: string;
  /** The request URL without credentials (no userinfo), or '' when not tied to a request. */
  readonly url: string;
  readonly method: string;
  readonly detail: unknown;

  constructor(message: string, options: RegistryClientErrorOptions) {
    const url = options.url === undefined ? '' : redactUrl(options.url);
    const where = options.method && url ? `${options.method} ${url}: ` : url ? `${url}: ` : '';
    super(`${where}${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryClientError';
    this.status = options.status;
    this.code = options.code;
    this.url = url;
    this.method = options.method ?? '';
    this.detail = options.detail;
  }
}

export function isRegistryClientError(value: unknown): value is RegistryClientError {
  return value instanceof RegistryClientError;
}

/** `url` without `user:password@` (never echo credentials in errors or logs). */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return String(url).replace(/\/\/[^/@]*@/, '//');
  }
}

/** At most this much of an error body is read: enough for any OCI error, bounded for garbage. */
const MAX_ERROR_BODY = 64 * 1024;

interface OciErrorEntry {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
}

/**
 * Turns a non-success answer into a `RegistryClientError`, reading (and so releasing) its body.
 * The OCI body `{"errors":[{code,message,detail}]}` supplies code and message when present;
 * a HEAD answer or a non-JSON body falls back to the status text.
 */
export async function errorFromResponse(
  response: Response,
  method: string,
  url: string | URL,
): Promise<RegistryClientError> {
  const text = method === 'HEAD' ? '' : await readLimited(response, MAX_ERROR_BODY);
  let entry: OciErrorEntry | undefined;
  try {
    const parsed = JSON.parse(text) as { errors?: OciErrorEntry[] };
    entry = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined;
  } catch {
    entry = undefined;
  }
  const code = typeof entry?.code === 'string' ? entry.code : codeForStatus(response.status);
  const detailText = typeof entry?.message === 'string' ? entry.message : text.trim().slice(0, 200);
  const message = `${response.status} ${code}${detailText ? `: ${detailText}` : ''}`;
  return new RegistryClientError(message, {
    status: response.status,
    code,
    method,
    url: url.toString(),
    ...(entry?.detail !== undefined && { detail: entry.detail }),
  });
}

function codeForStatus(status: number): string {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'DENIED';
    case 404:
      return 'NOT_FOUND';
    case 416:
      return 'RANGE_NOT_SATISFIABLE';
    case 429:
      return 'TOOMANYREQUESTS';
    default:
      return status >= 500 ? 'UNAVAILABLE' : 'UNEXPECTED_RESPONSE';
  }
}

/** Reads at most `limit` bytes of a body as text and cancels the rest. */
export async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // Leaving the loop early cancels the rest of the body.
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      chunks.push(Buffer.from(chunk));
      size += chunk.length;
      if (size >= limit) break;
    }
  } catch {
    // A broken error body still leaves the status to report.
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** Discards a body so the connection can be reused. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
