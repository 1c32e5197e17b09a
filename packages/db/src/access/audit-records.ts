import type { DataSource } from 'typeorm';
import {
  AUDIT_OUTCOMES,
  auditWhere,
  type AuditCursor,
  type AuditFilter,
  type AuditOutcome,
} from './audit-query.js';
import { InvalidArgumentError } from './errors.js';
import { fetchPage, pageWindow, type Page, type PageQuery } from './listing.js';
import { changedCount } from './statements.js';

export {
  AUDIT_OUTCOMES,
  decodeAuditCursor,
  encodeAuditCursor,
  type AuditCursor,
  type AuditFilter,
  type AuditOutcome,
} from './audit-query.js';

export interface AuditEventRecord {
  id: string;
  at: Date;
  /** A username, a robot's full name, or `anonymous`. */
  actor: string;
  /** What happened, e.g. `project.create`, `login`, `artifact.push`. */
  action: string;
  /** What it happened to, e.g. `project:library`, `repository:library/app`. */
  resource: string;
  outcome: AuditOutcome;
  /** The client's address, when the event came from a request. */
  address: string | null;
  detail: Record<string, unknown> | null;
}

export interface NewAuditEvent {
  actor: string;
  action: string;
  resource: string;
  /** Default `success`. */
  outcome?: AuditOutcome;
  address?: string | null;
  /** Structured context. Never put a secret here: the log is readable by administrators. */
  detail?: Record<string, unknown> | null;
  /** When it happened; default the database's clock (a buffered writer passes the event's time). */
  at?: Date;
}

/** A page of the log by number, newest first (ties by id, newest first); `since` is `from`. */
export interface AuditListQuery extends Omit<PageQuery, 'sort'>, AuditFilter {
  since?: Date;
}

/** A keyset page: the events strictly older than `after` (or the newest), newest first. */
export interface AuditScanQuery extends AuditFilter {
  pageSize: number;
  after?: AuditCursor;
}

export interface AuditScan {
  items: AuditEventRecord[];
  /** Where the next page starts; absent on the last page. */
  next?: AuditCursor;
}

/** Port: the audit log. Append-only, except for retention (`deleteOlderThan`). */
export abstract class AuditRecords {
  /**
   * Appends an event stamped with the database's clock. Throws `InvalidArgumentError` for an
   * outcome other than `success` or `failure`.
   */
  abstract append(event: NewAuditEvent): Promise<void>;
  /** Appends many events in one statement (all or none), each at its own `at`. */
  abstract appendMany(events: readonly NewAuditEvent[]): Promise<void>;
  /**
   * A page of events by number, newest first, with the total matching the filter. Invalid paging
   * or filters throw `InvalidArgumentError`.
   */
  abstract list(query: AuditListQuery): Promise<Page<AuditEventRecord>>;
  /** A keyset page: as fast deep in the log as at its head (no total). */
  abstract scan(query: AuditScanQuery): Promise<AuditScan>;
  /** Deletes up to `limit` of the oldest events before `cutoff`; returns how many went. */
  abstract deleteOlderThan(cutoff: Date, limit: number): Promise<number>;
}

interface AuditRow {
  id: string;
  at: Date;
  at_us: string;
  actor: string;
  action: string;
  resource: string;
  outcome: AuditOutcome;
  address: string | null;
  detail: Record<string, unknown> | null;
}

const COLUMNS = `id, at, (extract(epoch FROM at) * 1000000)::bigint::text AS at_us,
                 actor, action, resource, outcome, address, detail`;

function assertOutcome(outcome: string): void {
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(outcome)) {
    throw new InvalidArgumentError(`unknown audit outcome ${JSON.stringify(outcome)}`);
  }
}

function toRecord(row: AuditRow): AuditEventRecord {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    outcome: row.outcome,
    address: row.address,
    detail: row.detail,
  };
}

export class TypeormAuditRecords extends AuditRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async append(event: NewAuditEvent): Promise<void> {
    await this.appendMany([event]);
  }

  async appendMany(events: readonly NewAuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map((event) => {
      const outcome = event.outcome ?? 'success';
      assertOutcome(outcome);
      return {
        at: event.at?.toISOString() ?? null,
        actor: event.actor,
        action: event.action,
        resource: event.resource,
        outcome,
        address: event.address ?? null,
        detail: event.detail ?? null,
      };
    });
    // One parameter whatever the batch size (PostgreSQL allows 65535 per statement).
    await this.db.query(
      `INSERT INTO audit_events (at, actor, action, resource, outcome, address, detail)
       SELECT COALESCE(r.at, now()), r.actor, r.action, r.resource, r.outcome, r.address, r.detail
       FROM jsonb_to_recordset($1::jsonb) AS r(at timestamptz, actor text, action text, resource text,
                                                outcome text, address text, detail jsonb)`,
      [JSON.stringify(rows)],
    );
  }

  async list(query: AuditListQuery): Promise<Page<AuditEventRecord>> {
    const { page, pageSize, since, ...filter } = query;
    const where = auditWhere({ ...filter, ...(since && filter.from === undefined && { from: since }) });
    const { rows, total } = await fetchPage<AuditRow>(
      this.db,
      {
        select: COLUMNS,
        from: `FROM audit_events ${where.sql}`,
        order: `at DESC, id DESC`,
        params: where.params,
      },
      pageWindow({ page, pageSize }),
    );
    return { items: rows.map(toRecord), total };
  }

  async scan(query: AuditScanQuery): Promise<AuditScan> {
    const { pageSize, after, ...filter } = query;
    pageWindow({ page: 1, pageSize });
    const where = auditWhere(filter, after ? 2 : 0);
    const params: unknown[] = after ? [after.atMicros, after.id, ...where.params] : where.params;
    // The row comparison walks the (at DESC, id DESC) index from the cursor on.
    const keyset = after
      ? `(at, id) < (timestamptz 'epoch' + $1::bigint * interval '1 microsecond', $2::bigint)`
      : '';
    const conditions = [keyset, where.sql.replace(/^WHERE /, '')].filter((c) => c !== '');
    const rows: AuditRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM audit_events
       ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY at DESC, id DESC LIMIT $${params.length + 1}`,
      [...params, pageSize + 1],
    );
    const items = rows.slice(0, pageSize);
    const last = items[items.length - 1];
    return {
      items: items.map(toRecord),
      ...(rows.length > pageSize && last && { next: { atMicros: last.at_us, id: last.id } }),
    };
  }

  async deleteOlderThan(cutoff: Date, limit: number): Promise<number> {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new InvalidArgumentError(`limit must be a positive integer, got ${String(limit)}`);
    }
    return changedCount(
      this.db,
      `WITH doomed AS (
         SELECT id FROM audit_events WHERE at < $1 ORDER BY at LIMIT $2),
       changed AS (
         DELETE FROM audit_events e USING doomed WHERE e.id = doomed.id RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [cutoff, limit],
    );
  }
}
