import type { GcRecords } from '@berth/db';
import { blobDir, type StorageDriver } from '@berth/storage';
import { hasStorageCode } from './storage-error-code.js';
import {
  GC_REPORT_LIST_LIMIT,
  GcTally,
  logLine,
  type GcPhase,
  type GcProgress,
  type GcReport,
} from './gc-report.js';

/** Manifests or blobs handled per database round trip (and per transaction of row locks). */
export const DEFAULT_GC_BATCH_SIZE = 500;

/**
 * A bound on manifest passes. Each pass reaches one level deeper than the one before (an
 * index's children, a referrer of a referrer). Digests make cycles impossible, so real chains
 * are a few levels deep; the bound only guards against a bug.
 */
export const GC_MAX_MANIFEST_PASSES = 32;

/** What garbage collection works on: the database side (row locks, re-checks) and the bytes. */
export interface GcDeps {
  gc: GcRecords;
  storage: StorageDriver;
}

export interface GcOptions {
  /** Find and report, delete nothing. */
  dryRun: boolean;
  /** Also delete manifests no tag reaches (transitively), then the blobs only they referenced. */
  deleteUntagged: boolean;
  /**
   * Spares manifests created and blobs uploaded or touched within this many seconds. 0 is
   * allowed and safe: safety comes from row locks, not from the window.
   */
  graceSeconds: number;
  /** Default `DEFAULT_GC_BATCH_SIZE`. */
  batchSize?: number;
  /** The clock, for tests; default now. */
  now?: Date;
  /** How many manifests and blobs the report names; default `GC_REPORT_LIST_LIMIT`. */
  listLimit?: number;
}

export interface GcHooks {
  /** Called after each batch. A rejection ends the run with that error. */
  onProgress?(progress: GcProgress): void | Promise<void>;
  /** Asked before each batch; `true` ends the run with `stopped: true`. */
  shouldStop?(): boolean | Promise<boolean>;
  /** Static lower-case messages with `key=value` fields. */
  log?(line: string): void;
}

/**
 * Online mark-and-sweep, after Distribution's `garbagecollect.go`, but with PostgreSQL as the
 * mark: (1) with `deleteUntagged`, manifests no tag reaches; (2) blobs no manifest references,
 * their rows and bytes. Safe alongside pushes with any grace window: see `GcRecords`.
 *
 * A dry run computes the same sets without deleting: the unreachable manifests in one
 * transitive query, and the blobs that would be unreferenced once they are gone.
 */
export async function collectGarbage(
  deps: GcDeps,
  options: GcOptions,
  hooks: GcHooks = {},
): Promise<GcReport> {
  const run = new GcRun(deps, options, hooks);
  return run.execute();
}

class GcRun {
  private readonly started = Date.now();
  private readonly cutoff: Date;
  private readonly batchSize: number;
  private readonly tally: GcTally;
  private stopped = false;
  private passes = 0;

  constructor(
    private readonly deps: GcDeps,
    private readonly options: GcOptions,
    private readonly hooks: GcHooks,
  ) {
    const { graceSeconds, batchSize = DEFAULT_GC_BATCH_SIZE, listLimit = GC_REPORT_LIST_LIMIT } = options;
    if (!Number.isFinite(graceSeconds) || graceSeconds < 0) {
      throw new RangeError(`graceSeconds must be a number >= 0, got ${graceSeconds}`);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
    }
    this.cutoff = new Date((options.now ?? new Date()).getTime() - graceSeconds * 1000);
    this.batchSize = batchSize;
    this.tally = new GcTally(listLimit);
  }

  async execute(): Promise<GcReport> {
    const { dryRun, deleteUntagged, graceSeconds } = this.options;
    this.log('gc started', { dryRun, deleteUntagged, graceSeconds, cutoff: this.cutoff.toISOString() });
    let assumeDeleted: string[] = [];
    const markStarted = Date.now();
    if (deleteUntagged) {
      if (dryRun) assumeDeleted = await this.findUnreachableManifests();
      else await this.deleteUnreachableManifests();
    }
    const markMs = Date.now() - markStarted;
    const sweepStarted = Date.now();
    if (!this.stopped) {
      if (dryRun) await this.findUnreferencedBlobs(assumeDeleted);
      else await this.collectUnreferencedBlobs();
    }
    const report: GcReport = {
      dryRun,
      deleteUntagged,
      graceSeconds,
      cutoff: this.cutoff.toISOString(),
      manifestsDeleted: this.tally.manifestsDeleted,
      blobsDeleted: this.tally.blobsDeleted,
      bytesFreed: this.tally.bytesFreed,
      stopped: this.stopped,
      passes: this.passes,
      durationMs: Date.now() - this.started,
      markMs,
      sweepMs: Date.now() - sweepStarted,
      manifests: this.tally.manifests,
      blobs: this.tally.blobs,
    };
    this.log(this.stopped ? 'gc stopped' : 'gc finished', {
      dryRun,
      manifests: report.manifestsDeleted,
      blobs: report.blobsDeleted,
      bytes: report.bytesFreed,
      passes: report.passes,
      ms: report.durationMs,
    });
    return report;
  }

  /** Dry run: every unreachable manifest, in one pass (the query is already transitive). */
  private async findUnreachableManifests(): Promise<string[]> {
    this.passes = 1;
    const ids: string[] = [];
    let afterId: string | null = null;
    while (!(await this.stopRequested())) {
      const page = await this.deps.gc.unreachableManifests(this.cutoff, afterId, this.batchSize);
      if (page.length === 0) break;
      afterId = page[page.length - 1]!.id;
      ids.push(...page.map((manifest) => manifest.id));
      this.tally.addManifests(page);
      await this.progress('manifests', 1);
      if (page.length < this.batchSize) break;
    }
    return ids;
  }

  /**
   * Deletes the manifests unreachable when the run started. `deleteManifests` keeps a manifest
   * while anything still points at it (an index, a subject), so an index goes in the first pass
   * and its children, or a subject's referrers, in the next: passes repeat over the candidates
   * left until one deletes nothing. Manifests that become unreachable during the run are left
   * for the next run, so a run ends under any tag churn, and deletes what a dry run reports.
   */
  private async deleteUnreachableManifests(): Promise<void> {
    this.passes = 1;
    let pending = await this.deleteFirstPass();
    while (pending.length > 0) {
      if (this.passes === GC_MAX_MANIFEST_PASSES) {
        this.log('gc manifest passes exhausted', { passes: this.passes, left: pending.length });
        return;
      }
      if (await this.stopRequested()) return;
      this.passes += 1;
      const left: string[] = [];
      for (let start = 0; start < pending.length; start += this.batchSize) {
        if (start > 0 && (await this.stopRequested())) return;
        const batch = pending.slice(start, start + this.batchSize);
        const deleted = await this.deleteManifestBatch(batch);
        left.push(...batch.filter((id) => !deleted.has(id)));
      }
      this.log('gc manifest pass finished', { pass: this.passes, deleted: pending.length - left.length });
      if (left.length === pending.length) return;
      pending = left;
    }
  }

  /** Pages through the unreachable manifests, deleting what it can; returns the ids kept. */
  private async deleteFirstPass(): Promise<string[]> {
    const kept: string[] = [];
    let afterId: string | null = null;
    while (!(await this.stopRequested())) {
      const page = await this.deps.gc.unreachableManifests(this.cutoff, afterId, this.batchSize);
      if (page.length === 0) break;
      afterId = page[page.length - 1]!.id;
      const ids = page.map((manifest) => manifest.id);
      const deleted = await this.deleteManifestBatch(ids);
      kept.push(...ids.filter((id) => !deleted.has(id)));
      if (page.length < this.batchSize) break;
    }
    this.log('gc manifest pass finished', { pass: 1, deleted: this.tally.manifestsDeleted });
    return kept;
  }

  private async deleteManifestBatch(ids: string[]): Promise<Set<string>> {
    const deleted = await this.deps.gc.deleteManifests(ids, this.cutoff);
    this.tally.addManifests(deleted);
    this.log('gc manifest batch', { pass: this.passes, candidates: ids.length, deleted: deleted.length });
    await this.progress('manifests', this.passes);
    return new Set(deleted.map((manifest) => manifest.id));
  }

  private async findUnreferencedBlobs(assumeDeleted: readonly string[]): Promise<void> {
    let afterDigest: string | null = null;
    while (!(await this.stopRequested())) {
      const page = await this.deps.gc.unreferencedBlobs(
        this.cutoff,
        afterDigest,
        this.batchSize,
        assumeDeleted,
      );
      if (page.length === 0) break;
      afterDigest = page[page.length - 1]!.digest;
      this.tally.addBlobs(page);
      await this.progress('blobs', 0);
      if (page.length < this.batchSize) break;
    }
  }

  private async collectUnreferencedBlobs(): Promise<void> {
    let afterDigest: string | null = null;
    const deleteBytes = (digest: string) => this.deleteBlobBytes(digest);
    while (!(await this.stopRequested())) {
      const page = await this.deps.gc.unreferencedBlobs(this.cutoff, afterDigest, this.batchSize);
      if (page.length === 0) break;
      afterDigest = page[page.length - 1]!.digest;
      const collected = await this.deps.gc.collectBlobs(
        page.map((blob) => blob.digest),
        this.cutoff,
        deleteBytes,
      );
      this.tally.addBlobs(collected);
      this.log('gc blob batch', {
        candidates: page.length,
        deleted: collected.length,
        bytes: collected.reduce((sum, blob) => sum + blob.size, 0),
      });
      await this.progress('blobs', 0);
      if (page.length < this.batchSize) break;
    }
  }

  /** Runs under the blob's row lock. Bytes already gone are fine: nothing is left to free. */
  private async deleteBlobBytes(digest: string): Promise<void> {
    try {
      await this.deps.storage.delete(blobDir(digest));
    } catch (error) {
      if (!hasStorageCode(error, 'PATH_NOT_FOUND')) throw error;
      this.log('gc blob bytes already gone', { digest });
    }
  }

  private async stopRequested(): Promise<boolean> {
    if (!this.stopped && (await this.hooks.shouldStop?.())) this.stopped = true;
    return this.stopped;
  }

  private async progress(phase: GcPhase, pass: number): Promise<void> {
    await this.hooks.onProgress?.(this.tally.progress(phase, pass));
  }

  private log(message: string, fields: Record<string, string | number | boolean>): void {
    this.hooks.log?.(logLine(message, fields));
  }
}
