import type { DataSource } from 'typeorm';
import { InvalidArgumentError } from './errors.js';
import { fetchPage, filterText, pageWindow, type Page, type PageQuery } from './listing.js';

export const AUDIT_OUTCOMES = ['success', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditEventRecord {
  id: string;
  at: Date;
  /** A username, a robot's full name, or `anonymous`. */
  actor: string;
  /** What happened, e.g. `project.create`, `login`. */
  action: string;
  /** What it happened to, e.g. `project:library`. */
  resource: string;
  outcome: AuditOutcome;
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
}

/** A page of the log, newest first; there is no other order. */
export interface AuditListQuery extends Omit<PageQuery, 'sort'> {
  /** Only events at or after this instant. */
  since?: Date;
}

/** Port: the audit log. Append-only: nothing here edits or deletes an event. */
export abstract class AuditRecords {
  /**
   * Appends an event stamped with the database's clock. Throws `InvalidArgumentError` for an
   * outcome other than `success` or `failure`.
   */
  abstract append(event: NewAuditEvent): Promise<void>;
  /**
   * A page of events, newest first (ties by id, newest first). `q` matches a substring of the
   * actor, action or resource, ignoring case. Invalid paging throws `InvalidArgumentError`.
   */
  abstract list(query: AuditListQuery): Promise<Page<AuditEventRecord>>;
}

interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  resource: string;
  outcome: AuditOutcome;
  address: string | null;
  detail: Record<string, unknown> | null;
}

export class TypeormAuditRecords extends AuditRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async append(event: NewAuditEvent): Promise<void> {
    const outcome = event.outcome ?? 'success';
    if (!(AUDIT_OUTCOMES as readonly string[]).includes(outcome)) {
      throw new InvalidArgumentError(`unknown audit outcome ${JSON.stringify(outcome)}`);
    }
    await this.db.query(
      `INSERT INTO audit_events (actor, action, resource, outcome, address, detail)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [
        event.actor,
        event.action,
        event.resource,
        outcome,
        event.address ?? null,
        event.detail === undefined || event.detail === null ? null : JSON.stringify(event.detail),
      ],
    );
  }

  async list(query: AuditListQuery): Promise<Page<AuditEventRecord>> {
    const { rows, total } = await fetchPage<AuditRow>(
      this.db,
      {
        select: `id, at, actor, action, resource, outcome, address, detail`,
        from: `FROM audit_events
               WHERE ($1::text IS NULL OR strpos(lower(actor), lower($1)) > 0
                      OR strpos(lower(action), lower($1)) > 0 OR strpos(lower(resource), lower($1)) > 0)
                 AND ($2::timestamptz IS NULL OR at >= $2)`,
        order: `at DESC, id DESC`,
        params: [filterText(query.q), query.since ?? null],
      },
      pageWindow(query),
    );
    return {
      items: rows.map((row) => ({
        id: row.id,
        at: row.at,
        actor: row.actor,
        action: row.action,
        resource: row.resource,
        outcome: row.outcome,
        address: row.address,
        detail: row.detail,
      })),
      total,
    };
  }
}
