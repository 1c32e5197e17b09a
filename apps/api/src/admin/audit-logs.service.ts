import { Injectable } from '@nestjs/common';
import { AuditRecords, type AuditEventRecord } from '@berth/db';
import { invalid } from './admin.errors.js';
import type { Caller } from './caller.resolver.js';
import { PagedResult, parsePaging } from './paging.js';
import { requireSystemAdmin } from './project.access.js';

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

/** The audit log, newest first; `q` filters, `since` (ISO time) bounds. System administrators only. */
@Injectable()
export class AuditLogsService {
  constructor(private readonly audit: AuditRecords) {}

  async list(caller: Caller, query: Record<string, unknown>): Promise<PagedResult<AuditEventView>> {
    requireSystemAdmin(caller);
    const { sort: _sort, ...paging } = parsePaging(query);
    const since = sinceOf(query.since);
    const page = await this.audit.list({ ...paging, ...(since && { since }) });
    return new PagedResult(page.items.map(auditView), page.total, paging);
  }
}

function sinceOf(value: unknown): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const date = typeof value === 'string' && value.length <= 64 ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw invalid('since', 'must be an ISO 8601 time');
  return date;
}

function auditView(event: AuditEventRecord): AuditEventView {
  return { ...event, at: event.at.toISOString() };
}
