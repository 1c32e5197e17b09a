import type { NewAuditEvent } from './audit-records.js';

export interface AuditBufferOptions {
  /** Events held at most; past it the oldest are dropped (and counted), never the process's memory. */
  maxEvents: number;
  /** Events per write (one statement each). */
  batchSize: number;
}

export interface FlushResult {
  written: number;
  /** Set when a write failed: the batch is back in the buffer for the next flush. */
  error?: unknown;
}

/**
 * Audit events waiting to be written, in order, off the request path: `push` is synchronous and
 * never fails; `flush` writes batches through `write` until the buffer is empty or a write fails.
 * A failed batch goes back to the front and is retried by the next flush. One flush runs at a
 * time; a flush asked for during one joins it.
 */
export class AuditBuffer {
  private events: NewAuditEvent[] = [];
  private droppedSinceReport = 0;
  private flushing: Promise<FlushResult> | undefined;

  constructor(
    private readonly write: (events: readonly NewAuditEvent[]) => Promise<void>,
    private readonly options: AuditBufferOptions,
  ) {
    if (!(options.maxEvents >= 1) || !(options.batchSize >= 1)) {
      throw new RangeError('maxEvents and batchSize must be at least 1');
    }
  }

  get size(): number {
    return this.events.length;
  }

  push(event: NewAuditEvent): void {
    this.events.push(event);
    this.trim();
  }

  /** Events dropped because the buffer was full since the last call (which resets the count). */
  takeDropped(): number {
    const dropped = this.droppedSinceReport;
    this.droppedSinceReport = 0;
    return dropped;
  }

  flush(): Promise<FlushResult> {
    this.flushing ??= this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async drain(): Promise<FlushResult> {
    let written = 0;
    while (this.events.length > 0) {
      const batch = this.events.splice(0, this.options.batchSize);
      try {
        await this.write(batch);
        written += batch.length;
      } catch (error) {
        // Back in front, in order; anything pushed meanwhile stays behind it.
        this.events = [...batch, ...this.events];
        this.trim();
        return { written, error };
      }
    }
    return { written };
  }

  private trim(): void {
    const excess = this.events.length - this.options.maxEvents;
    if (excess > 0) {
      this.events.splice(0, excess);
      this.droppedSinceReport += excess;
    }
  }
}
