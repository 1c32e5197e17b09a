import type { Readable } from 'node:stream';

/**
 * The storage driver contract, after Distribution's `storagedriver.go`.
 *
 * Paths are driver-relative, `/`-separated, and always absolute from the driver root
 * (`/blobs/sha256/ab/abcd…/data`). A driver must refuse any path that is not made only of
 * segments matching `[A-Za-z0-9._-]+` (no `..`, no empty segments) with `InvalidPathError`, so no
 * client input can ever reach outside the storage root.
 *
 * Drivers know nothing about registries: blobs, uploads and their layout live in `layout.ts`.
 */
export interface StorageDriver {
  /** A short name for logs and metrics, e.g. `filesystem`, `inmemory`, `s3`. */
  readonly name: string;

  /** Reads a whole small object (manifests, markers). Throws `PathNotFoundError`. */
  getContent(path: string): Promise<Buffer>;

  /** Writes a whole small object atomically: readers see the old or the new content, never a mix. */
  putContent(path: string, content: Buffer): Promise<void>;

  /**
   * Opens a stream of the object's bytes from `offset` (0 by default) for `length` bytes (to the
   * end by default). Throws `PathNotFoundError`, or `InvalidOffsetError` when offset > size.
   */
  reader(path: string, offset?: number, length?: number): Promise<Readable>;

  /**
   * Opens a writer. With `append`, bytes go after the object's current content (which must
   * exist, else `PathNotFoundError`); without it, the object is truncated. Bytes are durable only
   * after `commit()`; `cancel()` removes the object.
   */
  writer(path: string, append: boolean): Promise<FileWriter>;

  /** Size and kind of an object or directory. Throws `PathNotFoundError`. */
  stat(path: string): Promise<FileInfo>;

  /** Direct children of a directory, as full paths, sorted. Throws `PathNotFoundError`. */
  list(path: string): Promise<string[]>;

  /**
   * Moves an object, replacing any object at `dest`. Atomic where the backend allows: a reader
   * of `dest` sees the old or the new object, never a partial one. Throws `PathNotFoundError`.
   */
  move(source: string, dest: string): Promise<void>;

  /** Deletes an object or a whole directory tree. Throws `PathNotFoundError`. */
  delete(path: string): Promise<void>;

  /**
   * Calls `visit` for every object and directory below `path`, depth first, in lexical order.
   * Returning `'skip'` from `visit` for a directory skips its children.
   */
  walk(path: string, visit: (info: FileInfo) => Promise<void | 'skip'> | void | 'skip'): Promise<void>;

  /** A URL a client may fetch the object from directly, or `undefined` when not supported. */
  redirectURL(path: string, method: 'GET' | 'HEAD'): Promise<string | undefined>;

  /**
   * An on-disk path the api may hand to a zero-copy sender (sendfile), or `undefined`.
   * Only the filesystem driver returns one.
   */
  localPath?(path: string): string | undefined;
}

export interface FileInfo {
  path: string;
  size: number;
  modTime: Date;
  isDir: boolean;
}

/** A writer returned by `StorageDriver.writer`. Exactly one of `commit` or `cancel` ends it. */
export interface FileWriter {
  /** Bytes in the object so far, including those written before an append. */
  readonly size: number;
  /** Appends bytes; resolves once the driver accepted them (back-pressure). */
  write(chunk: Buffer): Promise<void>;
  /** Flushes and makes the bytes durable. */
  commit(): Promise<void>;
  /** Discards the object. */
  cancel(): Promise<void>;
  /** Releases the handle without committing or deleting (the bytes written so far stay). */
  close(): Promise<void>;
}
