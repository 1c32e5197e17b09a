import { Logger } from '@nestjs/common';
import { GcRunActiveError, type GcRunRecords, type SystemSettings } from '@berth/db';
import { readGcSchedule, SETTINGS, type JobContext } from '@berth/jobs';
import type { GcRunProcessor } from './gc-run.processor.js';

/**
 * `gc.scheduled`: the GC schedule fired. Creates a run (trigger `schedule`) with the stored
 * schedule's options and runs it here; skips when another run is pending or running.
 */
export class GcScheduledProcessor {
  private readonly logger = new Logger('gc');

  constructor(
    private readonly runs: GcRunRecords,
    private readonly settings: SystemSettings,
    private readonly gcRun: GcRunProcessor,
    private readonly defaultGraceSeconds: number,
  ) {}

  async run(context: JobContext): Promise<void> {
    const schedule = readGcSchedule(await this.settings.get(SETTINGS.gcSchedule), this.defaultGraceSeconds);
    if (schedule.cron === null) return;
    const { dryRun, deleteUntagged, graceSeconds } = schedule;
    try {
      const run = await this.runs.create({
        trigger: 'schedule',
        requestedBy: null,
        dryRun,
        deleteUntagged,
        graceSeconds,
      });
      this.logger.log({ message: 'scheduled gc run created', runId: run.id });
      await this.gcRun.run({ runId: run.id }, context);
    } catch (error) {
      if (!(error instanceof GcRunActiveError)) throw error;
      this.logger.log({
        message: 'scheduled gc skipped: another run is pending or running',
        activeId: error.activeId,
      });
    }
  }
}
