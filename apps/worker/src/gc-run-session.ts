import { Logger } from '@nestjs/common';
import type { GcRunCounts, GcRunRecords } from '@berth/db';
import type { GcHooks, GcProgress } from '@berth/registry';

const NO_COUNTS: GcRunCounts = { manifestsDeleted: 0, blobsDeleted: 0, bytesFreed: 0 };
/** Database round trips for heartbeat and stop checks, at most this often from the GC's hooks. */
const MIN_BEAT_GAP_MS = 1000;

/**
 * The bridge between one claimed run's row and `collectGarbage`'s hooks: progress and log lines
 * go to the row with a heartbeat (on a timer too, so a slow batch is not taken for a dead
 * worker), and `shouldStop` answers from the row's stop request, from whether the row is still
 * this worker's, and from the worker's shutdown signal.
 */
export class GcRunSession {
  private readonly logger = new Logger('gc');
  private lines: string[] = [];
  private progress: GcProgress | undefined;
  private lastBeat = Date.now();
  private beating: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** The row asks to stop (`POST …/stop`). */
  stopRequested = false;
  /** The row is no longer running (reaped by another worker): stop, and leave it alone. */
  lost = false;

  constructor(
    private readonly runs: GcRunRecords,
    readonly runId: string,
    private readonly heartbeatMs: number,
    private readonly shutdown: AbortSignal,
  ) {}

  readonly hooks: GcHooks = {
    onProgress: async (progress) => {
      this.progress = progress;
      if (Date.now() - this.lastBeat >= MIN_BEAT_GAP_MS) await this.beat();
    },
    shouldStop: async () => {
      if (this.shutdown.aborted) return true;
      if (Date.now() - this.lastBeat >= MIN_BEAT_GAP_MS) await this.beat();
      return this.stopRequested || this.lost;
    },
    log: (line) => this.log(line),
  };

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
  }

  log(line: string): void {
    this.lines.push(`${new Date().toISOString()} ${line}`);
  }

  /** Deletions so far, as the last progress counted them. */
  counts(): GcRunCounts {
    const { manifestsDeleted, blobsDeleted, bytesFreed } = this.progress ?? NO_COUNTS;
    return { manifestsDeleted, blobsDeleted, bytesFreed };
  }

  /** Stops the timer and writes the last log lines. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.flush().catch((error: unknown) => this.warn('gc log write failed', error));
  }

  /** One heartbeat at a time; a failed one is logged, and the next one tries again. */
  private beat(): Promise<void> {
    this.beating = this.beating.then(async () => {
      try {
        await this.flush();
        const state = await this.runs.heartbeat(this.runId, this.progress ? { ...this.progress } : undefined);
        this.lastBeat = Date.now();
        this.stopRequested = state.stopRequested;
        this.lost = !state.running;
      } catch (error) {
        this.warn('gc heartbeat failed', error);
      }
    });
    return this.beating;
  }

  private async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const lines = this.lines;
    this.lines = [];
    await this.runs.appendLog(this.runId, lines);
  }

  private warn(message: string, error: unknown): void {
    this.logger.warn({
      message,
      runId: this.runId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
