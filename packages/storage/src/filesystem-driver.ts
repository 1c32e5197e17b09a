import { randomBytes } from 'node:crypto';
import { constants, mkdirSync, type Stats } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { FileInfo, FileWriter, RangeReader, StorageDriver } from './driver.js';
import { PathConflictError, PathNotFoundError } from './errors.js';
import { FilesystemWriter } from './filesystem-writer.js';
import {
  assertAnyPath,
  assertObjectPath,
  childOf,
  isValidSegment,
  parentOf,
  ROOT_PATH,
  segmentsOf,
} from './path.js';
import { assertRangeShape, resolveReadRange } from './read-range.js';
import { walkByListing } from './walk-fallback.js';

// Bytes per read of a `reader` stream, and what it buffers ahead: a copy holds about two of these
// (one read ahead, one in the consumer's queue), whatever the blob size. Replication and the admin
// API read this way; the api's blob GET uses `rangeReader` into buffers it reuses
// (apps/api/src/v2/blob-sender.ts), which pulled 256 MiB at 0.57 CPU-s per GiB against 1.97
// through this stream. Before that, for the stream alone: 256 KiB reads once cost 0.95 CPU-s
// per 512 MiB pulled against 0.16 for 4 MiB; once the api stopped running full collections
// while streaming (packages/config/src/runtime-tuning.ts), 1, 2 and 4 MiB reads differed by
// less than the noise of a loaded machine (medians of 4 alternated 1 GiB pulls, two series:
// 0.72–0.79, 0.64, 0.62–1.13 CPU-s per GiB), and 1 MiB holds a quarter of the memory: skopeo's
// four concurrent layers peaked at 164–168 MiB instead of 194.
const READ_HIGH_WATER_MARK = 1024 * 1024;

// Pruning empty directories races with writers creating them: a writer retries its mkdir+create
// this many times before giving up.
const CREATE_ATTEMPTS = 5;

// Temporary names contain `~`, which no valid segment does: they can never collide with an
// object, and `list`/`walk` hide them like any other foreign file.
const TEMP_PREFIX = '~put-';

/**
 * Objects as plain files under `rootDir`, after Distribution's `filesystem` driver.
 *
 * Directories exist exactly while an object lies below them, as in the in-memory and S3
 * drivers: every removal prunes the directories it empties. Files whose names are not valid
 * segments (temporary files, `lost+found`) are invisible to `list` and `walk`.
 */
export class FilesystemDriver implements StorageDriver {
  readonly name = 'filesystem';
  readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = resolve(rootDir);
    // Once, at construction: `/` is then a directory from the first call, and an unusable root
    // fails at boot rather than on the first push.
    mkdirSync(this.rootDir, { recursive: true });
  }

  localPath(path: string): string {
    assertObjectPath(path);
    return this.#local(path);
  }

  async getContent(path: string): Promise<Buffer> {
    assertObjectPath(path);
    try {
      return await readFile(this.#local(path));
    } catch (error) {
      throw notFoundOr(error, path);
    }
  }

  async putContent(path: string, content: Buffer): Promise<void> {
    assertObjectPath(path);
    const target = this.#local(path);
    // Same directory as the target, so the rename stays on one filesystem and is atomic.
    const temp = join(dirname(target), `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    const handle = await this.#create(path, temp, 'wx');
    try {
      try {
        await handle.writeFile(content);
        // Without it a crash after the rename can leave an empty file under the final name.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw conflictOr(error, path);
    }
  }

  async reader(path: string, offset = 0, length?: number): Promise<Readable> {
    const { handle, range } = await this.#openRange(path, offset, length);
    if (range.start === range.end) {
      await handle.close();
      return Readable.from([], { objectMode: false });
    }
    // A plain fs.ReadStream over the descriptor (`end` is inclusive); it closes the handle when
    // it ends or is destroyed.
    return handle.createReadStream({
      start: range.start,
      end: range.end - 1,
      highWaterMark: READ_HIGH_WATER_MARK,
    });
  }

  async rangeReader(path: string, offset = 0, length?: number): Promise<RangeReader> {
    const { handle, range } = await this.#openRange(path, offset, length);
    let closed: Promise<void> | undefined;
    return {
      length: range.end - range.start,
      async read(target, position) {
        const wanted = Math.min(target.length, range.end - range.start - position);
        if (wanted <= 0) return 0;
        const { bytesRead } = await handle.read(target, 0, wanted, range.start + position);
        return bytesRead;
      },
      close: () => (closed ??= handle.close()),
    };
  }

  /** Opens an object's file and resolves the requested range against its size. */
  async #openRange(path: string, offset: number, length: number | undefined) {
    assertObjectPath(path);
    assertRangeShape(path, offset, length);
    const handle = await open(this.#local(path), 'r').catch((error: unknown) => {
      throw notFoundOr(error, path);
    });
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new PathNotFoundError(path);
      return { handle, range: resolveReadRange(path, offset, length, info.size) };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    assertObjectPath(path);
    const file = this.#local(path);
    const remove = () => this.#removeObject(path);
    if (!append) return new FilesystemWriter(path, await this.#create(path, file, 'w'), 0, remove);
    // O_APPEND without O_CREAT: the existence check and the open are one atomic step.
    const handle = await open(file, constants.O_WRONLY | constants.O_APPEND).catch((error: unknown) => {
      throw notFoundOr(error, path);
    });
    try {
      const { size } = await handle.stat();
      return new FilesystemWriter(path, handle, size, remove);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(path: string): Promise<FileInfo> {
    assertAnyPath(path);
    try {
      return toFileInfo(path, await stat(this.#local(path)));
    } catch (error) {
      throw notFoundOr(error, path);
    }
  }

  async list(path: string): Promise<string[]> {
    assertAnyPath(path);
    let names: string[];
    try {
      names = await readdir(this.#local(path));
    } catch (error) {
      throw notFoundOr(error, path);
    }
    return names
      .filter(isValidSegment)
      .map((name) => childOf(path, name))
      .sort();
  }

  async move(source: string, dest: string): Promise<void> {
    assertObjectPath(source);
    assertObjectPath(dest);
    const info = await this.stat(source);
    if (info.isDir) throw new PathNotFoundError(source);
    if (source === dest) return;
    const from = this.#local(source);
    const to = this.#local(dest);
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(to), { recursive: true });
        await rename(from, to);
        break;
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw conflictOr(error, dest);
        // ENOENT: either the source went away or a concurrent prune removed the new directory.
        await this.stat(source);
        if (attempt === CREATE_ATTEMPTS) throw error;
      }
    }
    await this.#prune(parentOf(source));
  }

  async delete(path: string): Promise<void> {
    assertObjectPath(path);
    try {
      await rm(this.#local(path), { recursive: true });
    } catch (error) {
      throw notFoundOr(error, path);
    }
    await this.#prune(parentOf(path));
  }

  async walk(path: string, visit: Parameters<StorageDriver['walk']>[1]): Promise<void> {
    assertAnyPath(path);
    await walkByListing(this, path, visit);
  }

  // Async with nothing to await: a refused path must still reject, not throw at the call site.
  // eslint-disable-next-line @typescript-eslint/require-await
  async redirectURL(path: string): Promise<string | undefined> {
    assertObjectPath(path);
    return undefined;
  }

  #local(path: string): string {
    return join(this.rootDir, ...segmentsOf(path));
  }

  /** Opens `file` (the object at `path` or a temporary beside it), creating its directories. */
  async #create(path: string, file: string, flags: string): Promise<FileHandle> {
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(file), { recursive: true });
        return await open(file, flags);
      } catch (error) {
        // ENOENT: a concurrent prune removed the directory between mkdir and open.
        if (errorCode(error) !== 'ENOENT' || attempt === CREATE_ATTEMPTS) throw conflictOr(error, path);
      }
    }
  }

  async #removeObject(path: string): Promise<void> {
    await rm(this.#local(path), { force: true });
    await this.#prune(parentOf(path));
  }

  /** Removes `dir` and its ancestors while they are empty; never the root. */
  async #prune(dir: string): Promise<void> {
    for (let current = dir; current !== ROOT_PATH; current = parentOf(current)) {
      try {
        await rmdir(this.#local(current));
      } catch {
        // Not empty (or already gone): everything above it is in use too.
        return;
      }
    }
  }
}

function toFileInfo(path: string, info: Stats): FileInfo {
  const isDir = info.isDirectory();
  return { path, size: isDir ? 0 : info.size, modTime: info.mtime, isDir };
}

// Duck-typed, not `instanceof Error`: Node's own errors come from another realm under jest's vm
// modules, and `instanceof` would then miss every one of them.
function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

// Reading through a missing ancestor (ENOTDIR) or reading a directory as an object (EISDIR)
// both mean "no such object here".
function notFoundOr(error: unknown, path: string): unknown {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR'
    ? new PathNotFoundError(path, { cause: error })
    : error;
}

// Writing below an object (ENOTDIR, or EEXIST from mkdir over a file) or onto a directory (EISDIR).
function conflictOr(error: unknown, path: string): unknown {
  const code = errorCode(error);
  return code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST'
    ? new PathConflictError(path, { cause: error })
    : error;
}
