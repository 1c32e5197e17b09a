/**
 * Typed storage errors, after Distribution's `PathNotFoundError` and `InvalidOffsetError`.
 *
 * Callers branch on the class (or on the stable `code`, which survives serialisation and module
 * duplication); messages are for humans and may change.
 */
export abstract class StorageError extends Error {
  /** A stable, machine-readable code, e.g. `PATH_NOT_FOUND`. */
  abstract readonly code: string;

  constructor(
    message: string,
    /** The driver path (or layout input) the error is about, exactly as the caller passed it. */
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No object (or, for `list`/`walk`/`stat`, no directory) exists at `path`. */
export class PathNotFoundError extends StorageError {
  readonly code = 'PATH_NOT_FOUND';

  constructor(path: string, options?: ErrorOptions) {
    super(`storage path not found: ${quote(path)}`, path, options);
  }
}

/** The requested range does not fit the object: `offset` past its end, or a negative range. */
export class InvalidOffsetError extends StorageError {
  readonly code = 'INVALID_OFFSET';

  constructor(
    path: string,
    readonly offset: number,
    detail = 'offset is past the end of the object',
  ) {
    super(`invalid offset ${offset} for ${quote(path)}: ${detail}`, path);
  }
}

/**
 * The input cannot name anything inside the storage root: a malformed driver path, or a digest or
 * upload id the layout refuses. Almost always the echo of hostile or broken client input.
 */
export class InvalidPathError extends StorageError {
  readonly code = 'INVALID_PATH';

  constructor(
    path: string,
    readonly reason: string,
  ) {
    super(`invalid storage path ${quote(path)}: ${reason}`, path);
  }
}

/**
 * An object and a directory would share a path: writing `/a/b` when `/a` is an object, or
 * writing or moving onto `/a` while objects live below it. The registry's layout never does this,
 * so it signals a bug rather than bad client input.
 */
export class PathConflictError extends StorageError {
  readonly code = 'PATH_CONFLICT';

  constructor(path: string, options?: ErrorOptions) {
    super(`storage path conflicts with an existing object or directory: ${quote(path)}`, path, options);
  }
}

// Paths reach messages from hostile input: escape control characters and cap the length so a
// log line stays one readable line.
function quote(path: string): string {
  return JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path);
}
