// Every method is async, with or without an await, so that a refused path rejects like any other
// driver's would instead of throwing synchronously at the call site.
/* eslint-disable @typescript-eslint/require-await */
import { Readable } from 'node:stream';
import { BaseFileWriter } from './base-writer.js';
import type { FileInfo, FileWriter, RangeReader, StorageDriver } from './driver.js';
import { PathConflictError, PathNotFoundError } from './errors.js';
import {
  assertAnyPath,
  assertObjectPath,
  childOf,
  isWithin,
  parentOf,
  ROOT_PATH,
  segmentsOf,
} from './path.js';
import { assertRangeShape, resolveReadRange } from './read-range.js';
import { walkByListing } from './walk-fallback.js';

// Readers hand out bytes in slices like a file stream would, so consumers see real chunking.
const READ_CHUNK = 64 * 1024;

interface MemoryObject {
  // Appends push a chunk; reads join them once and keep the joined buffer.
  chunks: Buffer[];
  size: number;
  modTime: Date;
}

/**
 * Objects in a map keyed by driver path, for tests and `memory://`. Directories are implicit: a
 * directory exists exactly while an object lies below it, which is what the filesystem driver
 * maintains by pruning and what S3 gives by nature.
 */
export class InMemoryDriver implements StorageDriver {
  readonly name = 'inmemory';
  readonly #objects = new Map<string, MemoryObject>();

  async getContent(path: string): Promise<Buffer> {
    assertObjectPath(path);
    // Buffer.concat copies: the caller may mutate the result without touching the store.
    return Buffer.concat([this.#bytes(this.#object(path))]);
  }

  async putContent(path: string, content: Buffer): Promise<void> {
    assertObjectPath(path);
    this.#assertCanHoldObject(path);
    // One map assignment: readers see the old entry or the new one, never a mix.
    this.#objects.set(path, { chunks: [Buffer.from(content)], size: content.length, modTime: new Date() });
  }

  async reader(path: string, offset = 0, length?: number): Promise<Readable> {
    assertObjectPath(path);
    assertRangeShape(path, offset, length);
    const bytes = this.#bytes(this.#object(path));
    const { start, end } = resolveReadRange(path, offset, length, bytes.length);
    return Readable.from(slices(bytes.subarray(start, end)), { objectMode: false });
  }

  async rangeReader(path: string, offset = 0, length?: number): Promise<RangeReader> {
    assertObjectPath(path);
    assertRangeShape(path, offset, length);
    const bytes = this.#bytes(this.#object(path));
    const { start, end } = resolveReadRange(path, offset, length, bytes.length);
    const range = bytes.subarray(start, end);
    return {
      length: range.length,
      async read(target, position) {
        return position >= range.length ? 0 : range.copy(target, 0, position);
      },
      async close() {},
    };
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    assertObjectPath(path);
    let entry: MemoryObject;
    if (append) {
      entry = this.#object(path);
    } else {
      this.#assertCanHoldObject(path);
      entry = { chunks: [], size: 0, modTime: new Date() };
      this.#objects.set(path, entry);
    }
    return new InMemoryWriter(path, entry, this.#objects);
  }

  async stat(path: string): Promise<FileInfo> {
    assertAnyPath(path);
    const entry = this.#objects.get(path);
    if (entry) return { path, size: entry.size, modTime: entry.modTime, isDir: false };
    let modTime: Date | undefined;
    for (const [key, object] of this.#objects) {
      if (key !== path && isWithin(key, path) && (!modTime || object.modTime > modTime))
        modTime = object.modTime;
    }
    if (!modTime && path !== ROOT_PATH) throw new PathNotFoundError(path);
    return { path, size: 0, modTime: modTime ?? new Date(0), isDir: true };
  }

  async list(path: string): Promise<string[]> {
    assertAnyPath(path);
    if (this.#objects.has(path)) throw new PathNotFoundError(path);
    const depth = segmentsOf(path).length;
    const children = new Set<string>();
    for (const key of this.#objects.keys()) {
      if (key === path || !isWithin(key, path)) continue;
      const name = segmentsOf(key)[depth];
      if (name !== undefined) children.add(childOf(path, name));
    }
    if (children.size === 0 && path !== ROOT_PATH) throw new PathNotFoundError(path);
    return [...children].sort();
  }

  async move(source: string, dest: string): Promise<void> {
    assertObjectPath(source);
    assertObjectPath(dest);
    const entry = this.#object(source);
    if (source === dest) return;
    this.#assertCanHoldObject(dest);
    this.#objects.set(dest, entry);
    this.#objects.delete(source);
  }

  async delete(path: string): Promise<void> {
    assertObjectPath(path);
    let deleted = false;
    for (const key of [...this.#objects.keys()]) {
      if (isWithin(key, path)) deleted = this.#objects.delete(key) || deleted;
    }
    if (!deleted) throw new PathNotFoundError(path);
  }

  async walk(path: string, visit: Parameters<StorageDriver['walk']>[1]): Promise<void> {
    assertAnyPath(path);
    await walkByListing(this, path, visit);
  }

  async redirectURL(path: string): Promise<string | undefined> {
    assertObjectPath(path);
    return undefined;
  }

  #object(path: string): MemoryObject {
    const entry = this.#objects.get(path);
    if (!entry) throw new PathNotFoundError(path);
    return entry;
  }

  #bytes(entry: MemoryObject): Buffer {
    if (entry.chunks.length !== 1) entry.chunks = [Buffer.concat(entry.chunks, entry.size)];
    return entry.chunks[0] ?? Buffer.alloc(0);
  }

  /** The filesystem's rules: no object below an object, no object where a directory is. */
  #assertCanHoldObject(path: string): void {
    for (let dir = parentOf(path); dir !== ROOT_PATH; dir = parentOf(dir)) {
      if (this.#objects.has(dir)) throw new PathConflictError(path);
    }
    for (const key of this.#objects.keys()) {
      if (key !== path && isWithin(key, path)) throw new PathConflictError(path);
    }
  }
}

class InMemoryWriter extends BaseFileWriter {
  constructor(
    path: string,
    private readonly entry: MemoryObject,
    private readonly objects: Map<string, MemoryObject>,
  ) {
    super(path, entry.size);
  }

  protected override async append(chunk: Buffer): Promise<void> {
    // Copied: the caller may reuse its buffer as soon as the write resolves.
    this.entry.chunks.push(Buffer.from(chunk));
    this.entry.size += chunk.length;
    this.entry.modTime = new Date();
  }

  protected override async persist(): Promise<void> {
    // Nothing to flush: memory is as durable as it gets.
  }

  protected override async release(): Promise<void> {
    // No handle to release.
  }

  protected override async discard(): Promise<void> {
    this.objects.delete(this.path);
  }
}

function* slices(bytes: Buffer): Generator<Buffer> {
  for (let start = 0; start < bytes.length; start += READ_CHUNK)
    yield bytes.subarray(start, start + READ_CHUNK);
}
