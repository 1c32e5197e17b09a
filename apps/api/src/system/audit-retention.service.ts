import { Injectable } from '@nestjs/common';
import { SystemSettings } from '@berth/db';
import { AUDIT_RETENTION_SETTING, readAuditRetention } from '@berth/registry';
import { invalid } from '../admin/admin.errors.js';
import { AuditTrail } from '../admin/audit.trail.js';
import { objectBody, optionalInteger } from '../admin/body.validation.js';
import type { Caller } from '../admin/caller.resolver.js';
import { requireSystemAdmin } from '../admin/project.access.js';

/** At most a century; 0 keeps every event. */
const DAYS = { min: 0, max: 36_500 };

/** BERTH_AUDIT_RETENTION_DAYS, the retention until an administrator sets one. */
export class AuditRetentionDefaults {
  constructor(readonly days: number) {}
}

export interface AuditRetentionView {
  /** Events older than this many days are deleted by the worker's daily `audit.purge`; 0 keeps them. */
  days: number;
  /** Whether `days` is the configured default (no administrator has set one). */
  isDefault: boolean;
}

/** The audit log's retention, a system setting; system administrators only. */
@Injectable()
export class AuditRetentionService {
  constructor(
    private readonly settings: SystemSettings,
    private readonly defaults: AuditRetentionDefaults,
    private readonly audit: AuditTrail,
  ) {}

  async get(caller: Caller): Promise<AuditRetentionView> {
    requireSystemAdmin(caller);
    const stored = await this.settings.get(AUDIT_RETENTION_SETTING);
    const days = readAuditRetention(stored, this.defaults.days);
    return { days, isDefault: readAuditRetention(stored, -1) === -1 };
  }

  async set(caller: Caller, body: unknown): Promise<AuditRetentionView> {
    requireSystemAdmin(caller);
    const days = optionalInteger(objectBody(body), 'days', DAYS);
    if (days === undefined) throw invalid('days', 'is required');
    await this.settings.put(AUDIT_RETENTION_SETTING, { days });
    await this.audit.record(caller, 'audit.retention', 'system:audit-retention', { days });
    return { days, isDefault: false };
  }
}
