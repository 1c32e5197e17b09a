import { AuditBuffer, type FlushResult } from './audit-buffer.js';
import type { AuditRecords, NewAuditEvent } from './audit-records.js';
import { WindowedCounter, type CountedWindow } from './windowed-counter.js';

/**
 * Where a successful login happened, and how:
 * - `token`: the token service (`/service/token`), with a password or robot secret
 *   (`password`: a Basic header or the OAuth2 `password` grant) or a refresh token (`refresh`);
 * - `api`: the admin API's Basic authentication (`basic`).
 * The resource is the same one failed logins are recorded on.
 */
export type LoginKind =
  { resource: 'token'; kind: 'password' | 'refresh' } | { resource: 'api'; kind: 'basic' };

export type SuccessfulLogin = LoginKind & {
  /** The account's name: a username or a robot's full name (`robot$…`). */
  actor: string;
  /** The client's address. */
  address: string | null;
};

export interface LoginAuditOptions {
  /** Logins of one account from one address, of one kind, within this window are one row. */
  windowMs: number;
  /** Open windows kept at most (the oldest closes early past it). Default 10,000. */
  maxOpenWindows?: number;
  /** Events waiting for the database at most (the oldest are dropped past it). Default 10,000. */
  maxBufferedEvents?: number;
  /** Events per INSERT. Default 500. */
  batchSize?: number;
}

/** What a write pass did: written, the error of a failed batch (kept), and events lost to a full buffer. */
export type LoginAuditFlush = FlushResult & { dropped: number };

/**
 * The audit trail of successful logins. Every `docker pull` asks the token service for a token,
 * so a row per login would bury the log: logins of one actor from one address, on one resource
 * and of one kind, within a window are one `login` row (outcome `success`, stamped with the
 * window's first login) with `{kind, count, firstAt, lastAt}`. Failed logins are not handled
 * here: each is its own row, written at once, because each may matter.
 *
 * `record` only counts (synchronous, never throws); `tick` (on a timer) writes the windows that
 * closed, and `close` (at shutdown) writes every open one. A failed write stays buffered.
 */
export class LoginAudit {
  private readonly windows: WindowedCounter<SuccessfulLogin>;
  private readonly buffer: AuditBuffer;

  constructor(
    records: Pick<AuditRecords, 'appendMany'>,
    options: LoginAuditOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.windows = new WindowedCounter({
      windowMs: options.windowMs,
      maxOpen: options.maxOpenWindows ?? 10_000,
    });
    this.buffer = new AuditBuffer((events) => records.appendMany(events), {
      maxEvents: options.maxBufferedEvents ?? 10_000,
      batchSize: options.batchSize ?? 500,
    });
  }

  /** Events waiting for the database, and login windows still open. */
  get pending(): { events: number; windows: number } {
    return { events: this.buffer.size, windows: this.windows.size };
  }

  record(login: SuccessfulLogin): void {
    const key = [login.actor, login.address ?? '', login.resource, login.kind].join('\n');
    this.pushWindows(this.windows.add(key, { ...login }, this.clock()));
  }

  /** Moves the windows closed by now into the buffer and writes what is buffered. */
  async tick(): Promise<LoginAuditFlush> {
    this.pushWindows(this.windows.due(this.clock()));
    return this.flush();
  }

  /** Closes every window and writes everything (one attempt; the caller may retry). */
  async close(): Promise<LoginAuditFlush> {
    this.pushWindows(this.windows.drain());
    return this.flush();
  }

  private async flush(): Promise<LoginAuditFlush> {
    const result = await this.buffer.flush();
    return { ...result, dropped: this.buffer.takeDropped() };
  }

  private pushWindows(windows: CountedWindow<SuccessfulLogin>[]): void {
    for (const window of windows) this.buffer.push(loginEvent(window));
  }
}

function loginEvent({ value, count, firstAt, lastAt }: CountedWindow<SuccessfulLogin>): NewAuditEvent {
  return {
    actor: value.actor,
    action: 'login',
    resource: value.resource,
    outcome: 'success',
    address: value.address,
    at: firstAt,
    detail: { kind: value.kind, count, firstAt: firstAt.toISOString(), lastAt: lastAt.toISOString() },
  };
}
