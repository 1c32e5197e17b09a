import { Logger } from '@nestjs/common';
import type { GcRecords, GcRunRecord, GcRunRecords, GcRunReport } from '@berth/db';
import type { JobContext, JobPayloads } from '@berth/jobs';
import { collectGarbage, type GcReport } from '@berth/registry';
import type { StorageDriver } from '@berth/storage';
import { GcRunSession } from './gc-run-session.js';

/**
 * `gc.run`: claims the run's row, runs `collectGarbage` with the row's options, and ends the
 * row: `succeeded`, `stopped` (asked to), `failed` (with the error), or back to `pending` when
 * this worker is shutting down (the next worker resumes it).
 */
export class GcRunProcessor {
  private readonly logger = new Logger('gc');

  constructor(
    private readonly runs: GcRunRecords,
    private readonly gc: GcRecords,
    private readonly storage: StorageDriver,
    private readonly options: { heartbeatMs: number; batchSize: number },
    private readonly collect: typeof collectGarbage = collectGarbage,
  ) {}

  async run({ runId }: JobPayloads['gc.run'], context: JobContext): Promise<void> {
    const run = await this.runs.claim(runId);
    if (!run) {
      this.logger.debug({ message: 'gc run not pending; nothing to do', runId });
      return;
    }
    const { dryRun, deleteUntagged, graceSeconds } = run;
    this.logger.log({
      message: 'gc run started',
      runId,
      attempt: run.attempts,
      dryRun,
      deleteUntagged,
      graceSeconds,
    });
    const session = new GcRunSession(this.runs, run.id, this.options.heartbeatMs, context.signal);
    session.start();
    try {
      const report = await this.collect(
        { gc: this.gc, storage: this.storage },
        { dryRun, deleteUntagged, graceSeconds, batchSize: this.options.batchSize },
        session.hooks,
      );
      await session.close();
      await this.settle(run, session, report);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      session.log(`gc failed error=${JSON.stringify(message)}`);
      await session.close();
      await this.runs.finish(run.id, { status: 'failed', ...session.counts(), report: null, error: message });
      this.logger.error({ message: 'gc run failed', runId, error: message });
    }
  }

  private async settle(run: GcRunRecord, session: GcRunSession, report: GcReport): Promise<void> {
    const runId = run.id;
    const counts = {
      manifestsDeleted: report.manifestsDeleted,
      blobsDeleted: report.blobsDeleted,
      bytesFreed: report.bytesFreed,
    };
    if (session.lost) {
      this.logger.warn({ message: 'gc run taken from this worker; its result is dropped', runId });
      return;
    }
    if (report.stopped && !session.stopRequested) {
      await this.runs.release(runId, counts);
      this.logger.log({ message: 'gc run interrupted by shutdown; left pending for the next worker', runId });
      return;
    }
    const status = report.stopped ? 'stopped' : 'succeeded';
    await this.runs.finish(runId, { status, ...counts, report: runReport(report) });
    this.logger.log({ message: `gc run ${status}`, runId, ...counts, durationMs: report.durationMs });
  }
}

function runReport(report: GcReport): GcRunReport {
  return {
    manifests: report.manifests,
    blobs: report.blobs,
    truncated: report.manifests.length < report.manifestsDeleted || report.blobs.length < report.blobsDeleted,
    cutoff: report.cutoff,
    passes: report.passes,
    markMs: report.markMs,
    sweepMs: report.sweepMs,
  };
}
