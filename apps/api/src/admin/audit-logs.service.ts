import { Injectable } from '@nestjs/common';
import {
  AUDIT_OUTCOMES,
  AuditRecords,
  decodeAuditCursor,
  encodeAuditCursor,
  type AuditEventRecord,
  type AuditFilter,
  type AuditOutcome,
} from '@berth/db';
import { invalid } from './admin.errors.js';
import type { Caller } from './caller.resolver.js';
import { LinkedResult } from './keyset.js';
import { parsePaging } from './paging.js';
import { ProjectAccess, requireSystemAdmin } from './project.access.js';

export interface AuditEventView {
  id: string;
  at: string;
  actor: string;
  action: string;
  resource: string;
  outcome: string;
  address: string | null;
  detail: Record<string, unknown> | null;
}

type Query = Record<string, unknown>;

/**
 * The audit log, newest first. Filters: `q`, `actor`, `action` (a prefix), `resource` (exact,
 * or a prefix ending in `*`), `outcome`, `from` (or `since`) and `to` (ISO times). Pages by
 * `page`/`pageSize` with `X-Total-Count`, or, from `cursor` on (empty for the newest), keyset
 * pages that stay fast however deep, linked by `rel="next"`. The whole log is for system
 * administrators; a project's own events for those who hold `logs` in it.
 */
@Injectable()
export class AuditLogsService {
  constructor(
    private readonly audit: AuditRecords,
    private readonly projects: ProjectAccess,
  ) {}

  async list(caller: Caller, query: Query): Promise<LinkedResult<AuditEventView>> {
    requireSystemAdmin(caller);
    return this.search(query, {});
  }

  async listProject(caller: Caller, project: string, query: Query): Promise<LinkedResult<AuditEventView>> {
    await this.projects.require(caller, project, 'logs');
    return this.search(query, { project });
  }

  private async search(query: Query, scope: AuditFilter): Promise<LinkedResult<AuditEventView>> {
    const { page, pageSize, q } = parsePaging(query);
    const filter: AuditFilter = { ...scope, ...filterOf(query), ...(q !== undefined && { q }) };
    if (query.cursor !== undefined) {
      const cursor = single(query, 'cursor');
      let after;
      try {
        after = cursor ? decodeAuditCursor(cursor) : undefined;
      } catch {
        throw invalid('cursor', 'is not one this listing returned');
      }
      const scan = await this.audit.scan({ ...filter, pageSize, ...(after && { after }) });
      const next = scan.next && { cursor: encodeAuditCursor(scan.next), pageSize: String(pageSize) };
      return new LinkedResult(scan.items.map(auditView), { ...(next && { next }) });
    }
    const found = await this.audit.list({ ...filter, page, pageSize });
    const last = Math.max(1, Math.ceil(found.total / pageSize));
    const size = String(pageSize);
    return new LinkedResult(
      found.items.map(auditView),
      {
        ...(page * pageSize < found.total && { next: { page: String(page + 1), pageSize: size } }),
        ...(page > 1 && { prev: { page: String(Math.min(page - 1, last)), pageSize: size } }),
      },
      found.total,
    );
  }
}

const MAX_TEXT = 255;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(name, 'must be given once');
  if (value.length > MAX_TEXT) throw invalid(name, `must be at most ${MAX_TEXT} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(name, 'must not contain control characters');
  return value;
}

function time(query: Query, name: string): Date | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  const date = value.length <= 64 ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw invalid(name, 'must be an ISO 8601 time');
  return date;
}

function filterOf(query: Query): AuditFilter {
  const actor = single(query, 'actor');
  const action = single(query, 'action');
  const resource = single(query, 'resource');
  const outcome = single(query, 'outcome');
  if (outcome !== undefined && !(AUDIT_OUTCOMES as readonly string[]).includes(outcome)) {
    throw invalid('outcome', `must be one of ${AUDIT_OUTCOMES.join(', ')}`);
  }
  const from = time(query, 'from') ?? time(query, 'since');
  const to = time(query, 'to');
  return {
    ...(actor !== undefined && { actor }),
    ...(action !== undefined && { action }),
    ...(resource !== undefined && { resource }),
    ...(outcome !== undefined && { outcome: outcome as AuditOutcome }),
    ...(from && { from }),
    ...(to && { to }),
  };
}

function auditView(event: AuditEventRecord): AuditEventView {
  return { ...event, at: event.at.toISOString() };
}
