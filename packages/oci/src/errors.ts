/**
 * The one table of registry errors: every failure a client can see, with its wire code (from
 * the OCI distribution-spec, or the Docker registry's extensions), HTTP status and default
 * message. Domain code throws `RegistryError(kind)`; one filter per surface serialises it.
 */
export const ERROR_TABLE = {
  BLOB_UNKNOWN: { code: 'BLOB_UNKNOWN', status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { code: 'BLOB_UPLOAD_INVALID', status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: {
    code: 'BLOB_UPLOAD_UNKNOWN',
    status: 404,
    message: 'blob upload unknown to registry',
  },
  RANGE_NOT_SATISFIABLE: {
    code: 'BLOB_UPLOAD_INVALID',
    status: 416,
    message: 'requested range not satisfiable',
  },
  DIGEST_INVALID: {
    code: 'DIGEST_INVALID',
    status: 400,
    message: 'provided digest did not match uploaded content',
  },
  MANIFEST_BLOB_UNKNOWN: {
    code: 'MANIFEST_BLOB_UNKNOWN',
    status: 400,
    message: 'manifest references a manifest or blob unknown to registry',
  },
  MANIFEST_INVALID: { code: 'MANIFEST_INVALID', status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { code: 'MANIFEST_UNKNOWN', status: 404, message: 'manifest unknown to registry' },
  MANIFEST_TOO_LARGE: { code: 'SIZE_INVALID', status: 413, message: 'manifest exceeds the size limit' },
  NAME_INVALID: { code: 'NAME_INVALID', status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { code: 'NAME_UNKNOWN', status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: {
    code: 'SIZE_INVALID',
    status: 400,
    message: 'provided length did not match content length',
  },
  TAG_INVALID: { code: 'MANIFEST_INVALID', status: 400, message: 'invalid tag' },
  PAGINATION_INVALID: {
    code: 'PAGINATION_NUMBER_INVALID',
    status: 400,
    message: 'invalid number of results requested',
  },
  UNAUTHORIZED: { code: 'UNAUTHORIZED', status: 401, message: 'authentication required' },
  DENIED: { code: 'DENIED', status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { code: 'UNSUPPORTED', status: 405, message: 'the operation is unsupported' },
  NOT_FOUND: { code: 'NOT_FOUND', status: 404, message: 'no such endpoint' },
  TOO_MANY_REQUESTS: { code: 'TOOMANYREQUESTS', status: 429, message: 'too many requests' },
  UNAVAILABLE: { code: 'UNAVAILABLE', status: 503, message: 'service unavailable' },
  INTERNAL: { code: 'UNKNOWN', status: 500, message: 'internal error' },
} as const satisfies Record<string, { code: string; status: number; message: string }>;

export type ErrorKind = keyof typeof ERROR_TABLE;

export interface RegistryErrorOptions {
  /** Extra structured information for the client (the spec's `detail`). */
  detail?: unknown;
  /** Response headers the error needs, e.g. `Range` on a 416 or `WWW-Authenticate` on a 401. */
  headers?: Record<string, string>;
}

/** A client-visible registry failure. Anything else that escapes a handler is a bug (500). */
export class RegistryError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly status: number;
  readonly detail: unknown;
  readonly headers: Record<string, string>;

  constructor(kind: ErrorKind, message?: string, options: RegistryErrorOptions = {}) {
    const entry = ERROR_TABLE[kind];
    super(message ?? entry.message);
    this.name = 'RegistryError';
    this.kind = kind;
    this.code = entry.code;
    this.status = entry.status;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }
}

export interface ErrorBody {
  errors: { code: string; message: string; detail?: unknown }[];
}

/** The spec's error body for one or more errors. */
export function errorBody(...errors: RegistryError[]): ErrorBody {
  return {
    errors: errors.map((error) =>
      error.detail === undefined
        ? { code: error.code, message: error.message }
        : { code: error.code, message: error.message, detail: error.detail },
    ),
  };
}

export function isRegistryError(value: unknown): value is RegistryError {
  return value instanceof RegistryError;
}
