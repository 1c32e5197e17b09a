import type { GcRunRecord, GcRunReport } from '@berth/db';

/** A GC run as the admin API shows it (`GET /api/v1/system/gc/{id}`). */
export interface GcRunView {
  id: string;
  status: GcRunRecord['status'];
  trigger: GcRunRecord['trigger'];
  dryRun: boolean;
  deleteUntagged: boolean;
  graceSeconds: number;
  requestedBy: string | null;
  /** Deleted so far (a dry run: what a real run would delete). */
  manifestsDeleted: number;
  blobsDeleted: number;
  bytesFreed: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** From the first start to the end (or to now, while running); `null` before it starts. */
  durationMs: number | null;
  attempts: number;
  stopRequested: boolean;
  progress: Record<string, unknown> | null;
  error: string | null;
  /** One entry per line, oldest first (the last 200 lines); not in listings. */
  log?: string[];
  /** What was deleted (or would be), capped; not in listings. */
  report?: GcRunReport | null;
}

function counted(progress: Record<string, unknown> | null, key: string): number {
  const value = progress?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function gcRunView(run: GcRunRecord, detail: boolean, now = new Date()): GcRunView {
  // While running, the attempt's own counts live in its progress, on top of earlier attempts'.
  const live = run.status === 'running' ? run.progress : null;
  const end = run.finishedAt ?? (run.status === 'running' ? now : null);
  return {
    id: run.id,
    status: run.status,
    trigger: run.trigger,
    dryRun: run.dryRun,
    deleteUntagged: run.deleteUntagged,
    graceSeconds: run.graceSeconds,
    requestedBy: run.requestedBy,
    manifestsDeleted: run.manifestsDeleted + counted(live, 'manifestsDeleted'),
    blobsDeleted: run.blobsDeleted + counted(live, 'blobsDeleted'),
    bytesFreed: run.bytesFreed + counted(live, 'bytesFreed'),
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    durationMs: run.startedAt && end ? Math.max(0, end.getTime() - run.startedAt.getTime()) : null,
    attempts: run.attempts,
    stopRequested: run.stopRequested,
    progress: run.progress,
    error: run.error,
    ...(detail && { log: run.log === '' ? [] : run.log.split('\n'), report: run.report }),
  };
}
