import type { DataSource } from 'typeorm';
import { ConflictError } from '../access/errors.js';
import { fetchPage, pageWindow, type Page, type PageQuery } from '../access/listing.js';
import { pgErrorCode, UNIQUE_VIOLATION } from '../access/pg-errors.js';
import { assertSeconds, isRecordId } from '../access/statements.js';

export const GC_RUN_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'stopped'] as const;
export type GcRunStatus = (typeof GC_RUN_STATUSES)[number];
export type GcRunTrigger = 'manual' | 'schedule';

/** The last lines of a run's log that are kept; older ones are dropped as new ones arrive. */
export const GC_LOG_LINES = 200;
/** A longer log line is cut here. */
export const GC_LOG_LINE_LENGTH = 1000;

export interface GcRunOptions {
  dryRun: boolean;
  deleteUntagged: boolean;
  graceSeconds: number;
}

export interface NewGcRun extends GcRunOptions {
  trigger: GcRunTrigger;
  /** The actor's name for a manual run; `null` for a scheduled one. */
  requestedBy: string | null;
}

/** Deletions of one attempt (or, on the row, of every attempt so far). */
export interface GcRunCounts {
  manifestsDeleted: number;
  blobsDeleted: number;
  bytesFreed: number;
}

/**
 * What a run deleted or, for a dry run, would delete. The lists are capped by the writer;
 * `truncated` says when entries were left out (the counts are always complete).
 */
export interface GcRunReport {
  manifests: { repository: string; digest: string }[];
  blobs: { digest: string; size: number }[];
  truncated: boolean;
  /** ISO time: what was created or touched at or after it was spared. */
  cutoff?: string;
  /** Manifest passes of the last attempt. */
  passes?: number;
  markMs?: number;
  sweepMs?: number;
}

export interface GcRunRecord extends GcRunOptions, GcRunCounts {
  id: string;
  status: GcRunStatus;
  trigger: GcRunTrigger;
  requestedBy: string | null;
  createdAt: Date;
  /** When the first attempt was claimed. */
  startedAt: Date | null;
  finishedAt: Date | null;
  heartbeatAt: Date | null;
  /** How many times a worker claimed it (a crash leaves it to be claimed again once). */
  attempts: number;
  stopRequested: boolean;
  /**
   * The running attempt's progress as the worker reports it. When the worker counts deletions
   * here (`manifestsDeleted`, `blobsDeleted`, `bytesFreed`), an attempt that dies keeps them.
   */
  progress: Record<string, unknown> | null;
  /** Newline-separated, at most `GC_LOG_LINES` lines. */
  log: string;
  report: GcRunReport | null;
  error: string | null;
}

export interface GcRunOutcome extends GcRunCounts {
  status: 'succeeded' | 'failed' | 'stopped';
  report: GcRunReport | null;
  error?: string | null;
}

/** A second active run: `activeId` is the run already pending or running, when still there. */
export class GcRunActiveError extends ConflictError {
  constructor(readonly activeId: string | undefined) {
    super(
      activeId === undefined
        ? 'a garbage collection is already pending or running'
        : `garbage collection ${activeId} is already pending or running`,
    );
  }
}

/**
 * Port: garbage-collection runs. PostgreSQL is the truth about a run; the queue only carries
 * the id. At most one run is `pending` or `running` at a time (a unique partial index). A row
 * leaves `running` through `finish`, `release` or `reapStale`, so none is left running by a
 * worker that died.
 */
export abstract class GcRunRecords {
  /** Inserts a `pending` run. Throws `GcRunActiveError` while another is pending or running. */
  abstract create(run: NewGcRun): Promise<GcRunRecord>;
  /**
   * `pending` → `running` for this worker: counts the attempt, stamps the heartbeat (and
   * `startedAt` on the first attempt). `undefined` when the run is not pending (already claimed,
   * finished, stopped, missing): the caller has nothing to do.
   */
  abstract claim(id: string): Promise<GcRunRecord | undefined>;
  /**
   * Stamps the heartbeat of a running run, and stores `progress` when given. Returns whether the
   * run is still running (a reaped run is not: its worker must stop) and whether a stop was asked.
   */
  abstract heartbeat(
    id: string,
    progress?: Record<string, unknown>,
  ): Promise<{ running: boolean; stopRequested: boolean }>;
  /** Appends lines to the log (newlines inside a line become spaces), keeping the last `GC_LOG_LINES`. */
  abstract appendLog(id: string, lines: readonly string[]): Promise<void>;
  /**
   * Ends a running run. A real run adds `counts` to the deletions of earlier attempts; a dry run
   * replaces them (nothing was deleted, so the last attempt's answer is the whole answer).
   * Returns `false` when the run was not running (reaped or stopped meanwhile).
   */
  abstract finish(id: string, outcome: GcRunOutcome): Promise<boolean>;
  /**
   * Puts a running run back to `pending` without spending an attempt (a graceful shutdown), adding
   * a real run's deletions so far. Returns `false` when it was not running.
   */
  abstract release(id: string, counts: GcRunCounts): Promise<boolean>;
  /**
   * Asks a run to stop: a pending run becomes `stopped` at once; a running one gets
   * `stopRequested` (its worker stops at the next batch). A finished run is left as it is
   * (`accepted: false`). Returns the run after the change, or `undefined` when there is none.
   */
  abstract requestStop(id: string): Promise<{ run: GcRunRecord; accepted: boolean } | undefined>;
  /** The run, or `undefined` (also for an id that cannot exist). */
  abstract get(id: string): Promise<GcRunRecord | undefined>;
  /** A page of runs, newest first; `log` and `report` are left empty here (fetch one run for them). */
  abstract list(query: Pick<PageQuery, 'page' | 'pageSize'>): Promise<Page<GcRunRecord>>;
  /** Runs waiting for a worker, with their attempt counts (to re-enqueue jobs Redis lost). */
  abstract pending(): Promise<{ id: string; attempts: number }[]>;
  /**
   * Running runs whose heartbeat is older than `staleSeconds`: back to `pending` when claimed
   * fewer than `maxAttempts` times (a real run keeps the deletions its progress counted), else
   * `failed`. Returns what became of each.
   */
  abstract reapStale(
    staleSeconds: number,
    maxAttempts?: number,
  ): Promise<{ id: string; status: 'pending' | 'failed' }[]>;
}

interface GcRunRow {
  id: string;
  status: GcRunStatus;
  trigger: GcRunTrigger;
  dry_run: boolean;
  delete_untagged: boolean;
  grace_seconds: string;
  requested_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  heartbeat_at: Date | null;
  attempts: number;
  stop_requested: boolean;
  manifests_deleted: string;
  blobs_deleted: string;
  bytes_freed: string;
  progress: Record<string, unknown> | null;
  log: string;
  report: GcRunReport | null;
  error: string | null;
}

const COLUMNS = `id, status, trigger, dry_run, delete_untagged, grace_seconds, requested_by, created_at,
  started_at, finished_at, heartbeat_at, attempts, stop_requested, manifests_deleted, blobs_deleted,
  bytes_freed, progress, log, report, error`;

/** A real run's deletions counted in `progress` by an attempt that is ending without a result. */
const FOLD_PROGRESS = `
  manifests_deleted = manifests_deleted + CASE WHEN dry_run THEN 0
    ELSE coalesce((progress->>'manifestsDeleted')::bigint, 0) END,
  blobs_deleted = blobs_deleted + CASE WHEN dry_run THEN 0 ELSE coalesce((progress->>'blobsDeleted')::bigint, 0) END,
  bytes_freed = bytes_freed + CASE WHEN dry_run THEN 0 ELSE coalesce((progress->>'bytesFreed')::bigint, 0) END`;

function runOf(row: GcRunRow): GcRunRecord {
  return {
    id: row.id,
    status: row.status,
    trigger: row.trigger,
    dryRun: row.dry_run,
    deleteUntagged: row.delete_untagged,
    graceSeconds: Number(row.grace_seconds),
    requestedBy: row.requested_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    heartbeatAt: row.heartbeat_at,
    attempts: row.attempts,
    stopRequested: row.stop_requested,
    manifestsDeleted: Number(row.manifests_deleted),
    blobsDeleted: Number(row.blobs_deleted),
    bytesFreed: Number(row.bytes_freed),
    progress: row.progress,
    log: row.log,
    report: row.report,
    error: row.error,
  };
}

function logLine(line: string): string {
  const flat = line.replace(/[\r\n]+/g, ' ');
  return flat.length > GC_LOG_LINE_LENGTH ? `${flat.slice(0, GC_LOG_LINE_LENGTH)}…` : flat;
}

export class TypeormGcRunRecords extends GcRunRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async create(run: NewGcRun): Promise<GcRunRecord> {
    assertSeconds('graceSeconds', run.graceSeconds);
    try {
      const rows: GcRunRow[] = await this.db.query(
        `INSERT INTO gc_runs (trigger, dry_run, delete_untagged, grace_seconds, requested_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [run.trigger, run.dryRun, run.deleteUntagged, Math.floor(run.graceSeconds), run.requestedBy],
      );
      return runOf(rows[0]!);
    } catch (error) {
      if (pgErrorCode(error) !== UNIQUE_VIOLATION) throw error;
      const active: { id: string }[] = await this.db.query(
        `SELECT id FROM gc_runs WHERE status IN ('pending', 'running') LIMIT 1`,
      );
      throw new GcRunActiveError(active[0]?.id);
    }
  }

  async claim(id: string): Promise<GcRunRecord | undefined> {
    if (!isRecordId(id)) return undefined;
    const rows: GcRunRow[] = await this.db.query(
      `WITH claimed AS (
         UPDATE gc_runs SET status = 'running', attempts = attempts + 1, heartbeat_at = now(),
           started_at = coalesce(started_at, now()), progress = NULL
         WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}
       ) SELECT * FROM claimed`,
      [id],
    );
    return rows[0] && runOf(rows[0]);
  }

  async heartbeat(
    id: string,
    progress?: Record<string, unknown>,
  ): Promise<{ running: boolean; stopRequested: boolean }> {
    if (!isRecordId(id)) return { running: false, stopRequested: false };
    const rows: { stop_requested: boolean }[] = await this.db.query(
      `WITH beat AS (
         UPDATE gc_runs SET heartbeat_at = now(), progress = coalesce($2::jsonb, progress)
         WHERE id = $1 AND status = 'running' RETURNING stop_requested
       ) SELECT * FROM beat`,
      [id, progress === undefined ? null : JSON.stringify(progress)],
    );
    const row = rows[0];
    return { running: row !== undefined, stopRequested: row?.stop_requested ?? false };
  }

  async appendLog(id: string, lines: readonly string[]): Promise<void> {
    if (!isRecordId(id) || lines.length === 0) return;
    await this.db.query(
      `WITH kept AS (
         SELECT string_agg(line, E'\\n' ORDER BY n) AS log FROM (
           SELECT line, n FROM gc_runs g,
             unnest(CASE WHEN g.log = '' THEN $2::text[] ELSE string_to_array(g.log, E'\\n') || $2::text[] END)
               WITH ORDINALITY AS t(line, n)
           WHERE g.id = $1 ORDER BY n DESC LIMIT $3
         ) tail
       ), changed AS (
         UPDATE gc_runs SET log = coalesce(kept.log, '') FROM kept WHERE gc_runs.id = $1 RETURNING 1
       ) SELECT count(*)::int AS n FROM changed`,
      [id, lines.map(logLine), GC_LOG_LINES],
    );
  }

  async finish(id: string, outcome: GcRunOutcome): Promise<boolean> {
    if (!isRecordId(id)) return false;
    const rows: { id: string }[] = await this.db.query(
      `WITH done AS (
         UPDATE gc_runs SET status = $2, finished_at = now(), heartbeat_at = now(),
           manifests_deleted = CASE WHEN dry_run THEN 0 ELSE manifests_deleted END + $3,
           blobs_deleted = CASE WHEN dry_run THEN 0 ELSE blobs_deleted END + $4,
           bytes_freed = CASE WHEN dry_run THEN 0 ELSE bytes_freed END + $5,
           report = $6::jsonb, error = $7
         WHERE id = $1 AND status = 'running' RETURNING id
       ) SELECT * FROM done`,
      [
        id,
        outcome.status,
        outcome.manifestsDeleted,
        outcome.blobsDeleted,
        outcome.bytesFreed,
        outcome.report === null ? null : JSON.stringify(outcome.report),
        outcome.error ?? null,
      ],
    );
    return rows.length > 0;
  }

  async release(id: string, counts: GcRunCounts): Promise<boolean> {
    if (!isRecordId(id)) return false;
    const rows: { id: string }[] = await this.db.query(
      `WITH released AS (
         UPDATE gc_runs SET status = 'pending', attempts = greatest(attempts - 1, 0), progress = NULL,
           manifests_deleted = manifests_deleted + CASE WHEN dry_run THEN 0 ELSE $2 END,
           blobs_deleted = blobs_deleted + CASE WHEN dry_run THEN 0 ELSE $3 END,
           bytes_freed = bytes_freed + CASE WHEN dry_run THEN 0 ELSE $4 END
         WHERE id = $1 AND status = 'running' RETURNING id
       ) SELECT * FROM released`,
      [id, counts.manifestsDeleted, counts.blobsDeleted, counts.bytesFreed],
    );
    return rows.length > 0;
  }

  async requestStop(id: string): Promise<{ run: GcRunRecord; accepted: boolean } | undefined> {
    if (!isRecordId(id)) return undefined;
    const asked: { id: string }[] = await this.db.query(
      `WITH asked AS (
         UPDATE gc_runs SET
           stop_requested = true,
           status = CASE WHEN status = 'pending' THEN 'stopped' ELSE status END,
           finished_at = CASE WHEN status = 'pending' THEN now() ELSE finished_at END
         WHERE id = $1 AND status IN ('pending', 'running') RETURNING id
       ) SELECT * FROM asked`,
      [id],
    );
    const run = await this.get(id);
    return run && { run, accepted: asked.length > 0 };
  }

  async get(id: string): Promise<GcRunRecord | undefined> {
    if (!isRecordId(id)) return undefined;
    const rows: GcRunRow[] = await this.db.query(`SELECT ${COLUMNS} FROM gc_runs WHERE id = $1`, [id]);
    return rows[0] && runOf(rows[0]);
  }

  async list(query: Pick<PageQuery, 'page' | 'pageSize'>): Promise<Page<GcRunRecord>> {
    const { rows, total } = await fetchPage<GcRunRow>(
      this.db,
      {
        select: COLUMNS.replace('log, report', `'' AS log, NULL::jsonb AS report`),
        from: 'FROM gc_runs',
        order: 'id DESC',
        params: [],
      },
      pageWindow(query),
    );
    return { items: rows.map(runOf), total };
  }

  async pending(): Promise<{ id: string; attempts: number }[]> {
    return this.db.query(`SELECT id, attempts FROM gc_runs WHERE status = 'pending' ORDER BY id`);
  }

  async reapStale(
    staleSeconds: number,
    maxAttempts = 2,
  ): Promise<{ id: string; status: 'pending' | 'failed' }[]> {
    assertSeconds('staleSeconds', staleSeconds);
    return this.db.query(
      `WITH stale AS (
         SELECT id FROM gc_runs
         WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1)
         FOR UPDATE SKIP LOCKED
       ), reaped AS (
         UPDATE gc_runs g SET ${FOLD_PROGRESS},
           progress = NULL,
           status = CASE WHEN attempts >= $2 THEN 'failed' ELSE 'pending' END,
           finished_at = CASE WHEN attempts >= $2 THEN now() ELSE NULL END,
           error = CASE WHEN attempts >= $2
             THEN 'the worker running it stopped responding ' || attempts || ' times' ELSE error END
         FROM stale WHERE g.id = stale.id RETURNING g.id, g.status
       ) SELECT id, status FROM reaped ORDER BY id`,
      [staleSeconds, maxAttempts],
    );
  }
}
