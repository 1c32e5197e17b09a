import type { CollectableBlob, UnreachableManifest } from '@berth/db';

/** How many manifests and blobs a report names; the counts always cover everything. */
export const GC_REPORT_LIST_LIMIT = 1000;

export type GcPhase = 'manifests' | 'blobs';

/** Where a run stands, after each batch: what a worker stores as the run's progress. */
export interface GcProgress {
  phase: GcPhase;
  /** The manifest pass (1-based; a dry run makes exactly one), or 0 during the blob phase. */
  pass: number;
  /** Deleted so far (a dry run: found so far, that a real run would delete). */
  manifestsDeleted: number;
  blobsDeleted: number;
  bytesFreed: number;
}

export interface GcManifestEntry {
  repository: string;
  digest: string;
}

export interface GcBlobEntry {
  digest: string;
  size: number;
}

/** What a run did or, for a dry run, what a real run would have done at that moment. */
export interface GcReport {
  dryRun: boolean;
  deleteUntagged: boolean;
  graceSeconds: number;
  /** ISO time: what was created or touched at or after it was spared. */
  cutoff: string;
  manifestsDeleted: number;
  blobsDeleted: number;
  bytesFreed: number;
  /** True when `shouldStop` ended the run between two batches. */
  stopped: boolean;
  /** Manifest passes made: each collects what the previous one freed (children, referrers). */
  passes: number;
  durationMs: number;
  /** The manifest phase (mark). */
  markMs: number;
  /** The blob phase (sweep). */
  sweepMs: number;
  /** The first `GC_REPORT_LIST_LIMIT` manifests deleted; `manifestsDeleted` counts them all. */
  manifests: GcManifestEntry[];
  /** The first `GC_REPORT_LIST_LIMIT` blobs deleted; `blobsDeleted` counts them all. */
  blobs: GcBlobEntry[];
}

/** Running totals of one run, with the capped lists of what it deleted. */
export class GcTally {
  manifestsDeleted = 0;
  blobsDeleted = 0;
  bytesFreed = 0;
  readonly manifests: GcManifestEntry[] = [];
  readonly blobs: GcBlobEntry[] = [];

  constructor(private readonly listLimit: number) {}

  addManifests(deleted: readonly UnreachableManifest[]): void {
    this.manifestsDeleted += deleted.length;
    for (const { repository, digest } of deleted) {
      if (this.manifests.length >= this.listLimit) break;
      this.manifests.push({ repository, digest });
    }
  }

  addBlobs(deleted: readonly CollectableBlob[]): void {
    this.blobsDeleted += deleted.length;
    for (const { digest, size } of deleted) {
      this.bytesFreed += size;
      if (this.blobs.length < this.listLimit) this.blobs.push({ digest, size });
    }
  }

  progress(phase: GcPhase, pass: number): GcProgress {
    return {
      phase,
      pass,
      manifestsDeleted: this.manifestsDeleted,
      blobsDeleted: this.blobsDeleted,
      bytesFreed: this.bytesFreed,
    };
  }
}

/**
 * One log line: a static lower-case message, then its values as `key=value` fields (strings
 * with spaces or quotes are JSON-quoted), so lines can be grepped by message.
 */
export function logLine(message: string, fields: Record<string, string | number | boolean> = {}): string {
  const parts = Object.entries(fields).map(([key, value]) => {
    const text = String(value);
    return `${key}=${typeof value === 'string' && /[\s"=]/.test(text) ? JSON.stringify(text) : text}`;
  });
  return [message, ...parts].join(' ');
}
