import type { UploadRecords } from '@berth/db';
import { uploadDir, uploadsRoot, type StorageDriver } from '@berth/storage';
import { logLine } from './gc-report.js';
import { hasStorageCode } from './storage-error-code.js';

/** Sessions or upload directories handled per database round trip. */
export const DEFAULT_PURGE_BATCH_SIZE = 500;

export interface PurgeUploadsDeps {
  uploads: UploadRecords;
  storage: StorageDriver;
}

export interface PurgeUploadsOptions {
  /** Uploads idle for longer than this are purged. */
  maxAgeSeconds: number;
  /** The clock, for tests; default now. */
  now?: Date;
  /** Default `DEFAULT_PURGE_BATCH_SIZE`. */
  batchSize?: number;
}

export interface PurgeUploadsHooks {
  /** Static lower-case messages with `key=value` fields. */
  log?(line: string): void;
}

export interface PurgeUploadsReport {
  /** Abandoned sessions deleted, row and bytes. */
  sessionsPurged: number;
  /** Upload directories without a session (a monolithic upload cut off by a crash) deleted. */
  orphansPurged: number;
  bytesFreed: number;
}

/**
 * Deletes abandoned uploads: sessions with no activity for `maxAgeSeconds`, with their bytes,
 * then directories under `uploadsRoot()` that no session owns and nobody wrote to for as long.
 *
 * An upload is idle only when both its row and its bytes are: a long chunk still streaming in
 * has an old `updated_at` (touched after the chunk) but fresh bytes, and is spared. A session is
 * created after its first (empty) bytes are written, so a directory that is old has had its
 * chance to get a row.
 */
export async function purgeUploads(
  deps: PurgeUploadsDeps,
  options: PurgeUploadsOptions,
  hooks: PurgeUploadsHooks = {},
): Promise<PurgeUploadsReport> {
  const { maxAgeSeconds, batchSize = DEFAULT_PURGE_BATCH_SIZE } = options;
  if (!Number.isFinite(maxAgeSeconds) || maxAgeSeconds < 0) {
    throw new RangeError(`maxAgeSeconds must be a number >= 0, got ${maxAgeSeconds}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
  }
  const cutoff = new Date((options.now ?? new Date()).getTime() - maxAgeSeconds * 1000);
  const log = (message: string, fields: Record<string, string | number>) =>
    hooks.log?.(logLine(message, fields));
  const report: PurgeUploadsReport = { sessionsPurged: 0, orphansPurged: 0, bytesFreed: 0 };
  log('upload purge started', { cutoff: cutoff.toISOString() });
  await purgeSessions(deps, cutoff, batchSize, report, log);
  await purgeOrphans(deps, cutoff, batchSize, report, log);
  log('upload purge finished', { ...report });
  return report;
}

type Log = (message: string, fields: Record<string, string | number>) => void;

async function purgeSessions(
  { uploads, storage }: PurgeUploadsDeps,
  cutoff: Date,
  batchSize: number,
  report: PurgeUploadsReport,
  log: Log,
): Promise<void> {
  let afterId: string | undefined;
  for (;;) {
    const ids = await uploads.abandoned(cutoff, batchSize, afterId);
    if (ids.length === 0) return;
    afterId = ids[ids.length - 1];
    for (const id of ids) {
      const dir = uploadDir(id);
      const usage = await measure(storage, dir);
      if (usage && usage.newest >= cutoff) {
        log('upload session still receiving', { id });
        continue;
      }
      // Row first: a crash in between leaves an orphan directory, which the next purge finds.
      await uploads.delete(id);
      await deleteIfPresent(storage, dir);
      report.sessionsPurged += 1;
      report.bytesFreed += usage?.bytes ?? 0;
    }
    if (ids.length < batchSize) return;
  }
}

async function purgeOrphans(
  { uploads, storage }: PurgeUploadsDeps,
  cutoff: Date,
  batchSize: number,
  report: PurgeUploadsReport,
  log: Log,
): Promise<void> {
  const names = (await listIfPresent(storage, uploadsRoot())).map((path) =>
    path.slice(path.lastIndexOf('/') + 1),
  );
  for (let start = 0; start < names.length; start += batchSize) {
    const batch = names.slice(start, start + batchSize);
    const owned = new Set(await uploads.existing(batch));
    for (const name of batch) {
      if (owned.has(name)) continue;
      const dir = uploadDirOrUndefined(name);
      if (dir === undefined) {
        log('upload directory name not an upload id', { name });
        continue;
      }
      const usage = await measure(storage, dir);
      if (usage === undefined || usage.newest >= cutoff) continue;
      await deleteIfPresent(storage, dir);
      report.orphansPurged += 1;
      report.bytesFreed += usage.bytes;
    }
  }
}

interface Usage {
  bytes: number;
  /** The latest modification of any object below. */
  newest: Date;
}

/** Bytes and latest write below `dir`; `undefined` when it does not exist. */
async function measure(storage: StorageDriver, dir: string): Promise<Usage | undefined> {
  const usage: Usage = { bytes: 0, newest: new Date(0) };
  try {
    await storage.walk(dir, (info) => {
      if (info.isDir) return;
      usage.bytes += info.size;
      if (info.modTime > usage.newest) usage.newest = info.modTime;
    });
  } catch (error) {
    if (hasStorageCode(error, 'PATH_NOT_FOUND')) return undefined;
    throw error;
  }
  return usage;
}

async function deleteIfPresent(storage: StorageDriver, path: string): Promise<void> {
  try {
    await storage.delete(path);
  } catch (error) {
    if (!hasStorageCode(error, 'PATH_NOT_FOUND')) throw error;
  }
}

async function listIfPresent(storage: StorageDriver, path: string): Promise<string[]> {
  try {
    return await storage.list(path);
  } catch (error) {
    if (hasStorageCode(error, 'PATH_NOT_FOUND')) return [];
    throw error;
  }
}

function uploadDirOrUndefined(name: string): string | undefined {
  try {
    return uploadDir(name);
  } catch (error) {
    if (hasStorageCode(error, 'INVALID_PATH')) return undefined;
    throw error;
  }
}
