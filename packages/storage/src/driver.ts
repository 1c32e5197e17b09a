import type { Readable } from 'node:stream';

/**
 * The storage driver contract, after Distribution's `storagedriver.go`.
 *
 * Paths are driver-relative, `/`-separated, and always absolute from the driver root
 * (`/blobs/sha256/ab/abcd…/data`). A driver must refuse any path that is not made only of
 * segments matching `[A-Za-z0-9._-]+` (no `.` or `..`, no empty segments, at most 1024
 * characters) with `InvalidPathError`, so no client input can ever reach outside the storage
 * root. The root `/` itself names a directory: `stat`, `list` and `walk` accept it, every other
 * method refuses it. Every failure is a rejected promise, never a synchronous throw.
 *
 * Directories are implicit: one exists exactly while an object lies below it (as on S3). An
 * object and a directory never share a path; an operation that would make them do so fails with
 * `PathConflictError`.
 *
 * Drivers know nothing about registries: blobs, uploads and their layout live in `layout.ts`.
 * `runDriverConformance` (`@berth/storage/testsuite`) checks every clause below.
 */
export interface StorageDriver {
  /** A short name for logs and metrics, e.g. `filesystem`, `inmemory`, `s3`. */
  readonly name: string;

  /** Reads a whole small object (manifests, markers). Throws `PathNotFoundError`, also for a directory. */
  getContent(path: string): Promise<Buffer>;

  /**
   * Writes a whole small object atomically: readers see the old or the new content, never a mix.
   * Creates the parent directories. Throws `PathConflictError` when `path` is a directory or lies
   * below an object.
   */
  putContent(path: string, content: Buffer): Promise<void>;

  /**
   * Opens a stream of the object's bytes from `offset` (0 by default) for `length` bytes (to the
   * end by default; a length past the end is clamped). `offset === size` gives an empty stream.
   * Throws `PathNotFoundError` (also for a directory), or `InvalidOffsetError` when
   * offset > size or offset or length is negative or not an integer.
   */
  reader(path: string, offset?: number, length?: number): Promise<Readable>;

  /**
   * Opens the same bytes as `reader` for reads into buffers the caller owns, at positions it
   * chooses: a sender that reuses two buffers for a whole blob makes no garbage, where a stream
   * allocates a buffer per chunk. Same arguments and errors as `reader`; the caller must
   * `close()` it.
   */
  rangeReader(path: string, offset?: number, length?: number): Promise<RangeReader>;

  /**
   * Opens a writer. With `append`, bytes go after the object's current content (which must
   * exist, else `PathNotFoundError`); without it, the object is created or truncated at once,
   * with its parent directories (`PathConflictError` as for `putContent`). Bytes are durable only
   * after `commit()`; `cancel()` removes the object.
   */
  writer(path: string, append: boolean): Promise<FileWriter>;

  /**
   * Size and kind of an object or directory (directories report size 0). Throws
   * `PathNotFoundError`.
   */
  stat(path: string): Promise<FileInfo>;

  /**
   * Direct children of a directory, as full paths, sorted. The root of an empty driver lists as
   * `[]`. Throws `PathNotFoundError` for a missing path or an object.
   */
  list(path: string): Promise<string[]>;

  /**
   * Moves an object, replacing any object at `dest` and creating its parent directories. Atomic
   * where the backend allows: a reader of `dest` sees the old or the new object, never a partial
   * one. Moving onto itself does nothing. Throws `PathNotFoundError` when `source` is not an
   * object, `PathConflictError` when `dest` is a directory or lies below an object.
   */
  move(source: string, dest: string): Promise<void>;

  /**
   * Deletes an object or a whole directory tree (never the root). `/a/b` does not touch
   * `/a/bc`. Throws `PathNotFoundError`.
   */
  delete(path: string): Promise<void>;

  /**
   * Calls `visit` for every object and directory below `path` (not `path` itself), depth first:
   * a directory, then its subtree, then its next sibling, siblings in lexical order. `visit` is
   * awaited before the walk goes on, and its rejection ends the walk. Returning `'skip'` for a
   * directory skips its children. Entries removed while the walk runs are passed over. Throws
   * `PathNotFoundError` when `path` is not a directory.
   */
  walk(path: string, visit: (info: FileInfo) => Promise<void | 'skip'> | void | 'skip'): Promise<void>;

  /**
   * A URL a client may fetch the object from directly, or `undefined` when not supported. Does
   * not check that the object exists (the caller has already done so).
   */
  redirectURL(path: string, method: 'GET' | 'HEAD'): Promise<string | undefined>;

  /**
   * An on-disk path the api may hand to a zero-copy sender (sendfile), or `undefined`.
   * Only the filesystem driver returns one. Synchronous and unchecked for existence; throws
   * `InvalidPathError` for a refused path.
   */
  localPath?(path: string): string | undefined;
}

/** Positional reads over one range of an object, from `StorageDriver.rangeReader`. */
export interface RangeReader {
  /** Bytes in the range. */
  readonly length: number;
  /**
   * Copies bytes of the range from `position` (0 is the range's start) into `target`, as many as
   * fit and remain; resolves with their count. 0 means the range is exhausted, or, before
   * `length`, that the object shrank under the reader (a caller must treat that as an error).
   */
  read(target: Buffer, position: number): Promise<number>;
  /** Releases the handle; safe to call twice. */
  close(): Promise<void>;
}

export interface FileInfo {
  /** The driver path, as passed to `stat` or found by `walk`. */
  path: string;
  /** Bytes in the object; 0 for a directory. */
  size: number;
  modTime: Date;
  isDir: boolean;
}

/**
 * A writer returned by `StorageDriver.writer`. The first `commit`, `cancel` or `close` ends it;
 * after that `write` and `commit` reject. A later `close` is a no-op (safe in `finally`), and
 * `cancel` still works after `close` or a failed `commit`, to clean up.
 */
export interface FileWriter {
  /** Bytes in the object so far, including those written before an append. */
  readonly size: number;
  /**
   * Appends bytes; resolves once the driver accepted them (back-pressure), after which the
   * caller may reuse `chunk`. Writes issued without awaiting land in call order.
   */
  write(chunk: Buffer): Promise<void>;
  /** Flushes and makes the bytes durable. */
  commit(): Promise<void>;
  /** Discards the object. */
  cancel(): Promise<void>;
  /** Releases the handle without committing or deleting (the bytes written so far stay). */
  close(): Promise<void>;
}
