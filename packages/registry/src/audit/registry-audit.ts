import type { AuditRecords, NewAuditEvent } from '@berth/db';
import type { RegistryEvent } from '../registry-events.js';
import { AuditBuffer, type FlushResult } from './audit-buffer.js';
import { WindowedCounter, type CountedWindow } from './windowed-counter.js';

export interface RegistryAuditOptions {
  /** Pulls of one artifact by one actor from one address within this window are one row. */
  pullWindowMs: number;
  /** Open pull windows kept at most (the oldest closes early past it). Default 10,000. */
  maxPullWindows?: number;
  /** Events waiting for the database at most (the oldest are dropped past it). Default 10,000. */
  maxBufferedEvents?: number;
  /** Events per INSERT. Default 500. */
  batchSize?: number;
}

interface PullKey {
  actor: string;
  address: string | null;
  repository: string;
  digest: string;
}

/** The audit actor of a registry event: the token's subject, or `anonymous`. */
export function auditActor(subject: string): string {
  return subject === '' ? 'anonymous' : subject;
}

/**
 * The audit events of registry activity, from the `RegistryEvents` bus:
 * - `manifest.pushed` → `artifact.push` (digest, tags, media type);
 * - `manifest.deleted` → `artifact.delete`, `tag.deleted` → `tag.delete`;
 * - `manifest.pulled` → `artifact.pull`, one row per (actor, address, repository, digest) per
 *   window, with `{digest, count, firstAt, lastAt}`, stamped with the window's first pull;
 * - `blob.uploaded` is not audited (the manifest push that follows names the artifact).
 * The resource is `repository:<name>`. `record` only buffers; `tick` (on a timer) and `close`
 * (at shutdown) write.
 */
export class RegistryAudit {
  private readonly pulls: WindowedCounter<PullKey>;
  private readonly buffer: AuditBuffer;

  constructor(
    records: Pick<AuditRecords, 'appendMany'>,
    options: RegistryAuditOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.pulls = new WindowedCounter({
      windowMs: options.pullWindowMs,
      maxOpen: options.maxPullWindows ?? 10_000,
    });
    this.buffer = new AuditBuffer((events) => records.appendMany(events), {
      maxEvents: options.maxBufferedEvents ?? 10_000,
      batchSize: options.batchSize ?? 500,
    });
  }

  /** Events waiting for the database, and pull windows still open. */
  get pending(): { events: number; pullWindows: number } {
    return { events: this.buffer.size, pullWindows: this.pulls.size };
  }

  /** The bus listener: synchronous, never throws for a well-formed event. */
  record(event: RegistryEvent): void {
    const base = {
      actor: auditActor(event.actor),
      resource: `repository:${event.repository}`,
      address: event.address ?? null,
      at: event.at,
    };
    switch (event.kind) {
      case 'manifest.pushed':
        this.buffer.push({
          ...base,
          action: 'artifact.push',
          detail: { digest: event.digest, tags: event.tags, mediaType: event.mediaType },
        });
        return;
      case 'manifest.deleted':
        this.buffer.push({ ...base, action: 'artifact.delete', detail: { digest: event.digest } });
        return;
      case 'tag.deleted':
        this.buffer.push({ ...base, action: 'tag.delete', detail: { tag: event.tag } });
        return;
      case 'manifest.pulled': {
        const key = `${base.actor}\n${base.address ?? ''}\n${event.repository}\n${event.digest}`;
        const value = {
          actor: base.actor,
          address: base.address,
          repository: event.repository,
          digest: event.digest,
        };
        this.pushPulls(this.pulls.add(key, value, event.at));
        return;
      }
      case 'blob.uploaded':
        return;
    }
  }

  /**
   * Moves the pull windows closed by now into the buffer and writes what is buffered. A failed
   * write stays buffered for the next tick; `dropped` counts events lost to a full buffer.
   */
  async tick(): Promise<FlushResult & { dropped: number }> {
    this.pushPulls(this.pulls.due(this.clock()));
    const result = await this.buffer.flush();
    return { ...result, dropped: this.buffer.takeDropped() };
  }

  /** Closes every pull window and writes everything (one attempt; the caller may retry). */
  async close(): Promise<FlushResult & { dropped: number }> {
    this.pushPulls(this.pulls.drain());
    const result = await this.buffer.flush();
    return { ...result, dropped: this.buffer.takeDropped() };
  }

  private pushPulls(windows: CountedWindow<PullKey>[]): void {
    for (const window of windows) this.buffer.push(pullEvent(window));
  }
}

function pullEvent({ value, count, firstAt, lastAt }: CountedWindow<PullKey>): NewAuditEvent {
  return {
    actor: value.actor,
    action: 'artifact.pull',
    resource: `repository:${value.repository}`,
    address: value.address,
    at: firstAt,
    detail: { digest: value.digest, count, firstAt: firstAt.toISOString(), lastAt: lastAt.toISOString() },
  };
}
