import type { AuditRecords } from '@berth/db';
import { actorName, type Caller } from './caller.resolver.js';

/**
 * Appends the admin API's audit events: who (`actor`) did what (`action`, e.g. `member.add`) to
 * what (`resource`, e.g. `project:library`) from where (the caller's address). `detail` carries names, roles and permissions;
 * never a password or a secret (the log is readable by administrators).
 */
export class AuditTrail {
  constructor(private readonly records: AuditRecords) {}

  async record(
    caller: Caller,
    action: string,
    resource: string,
    detail?: Record<string, unknown>,
  ): Promise<void> {
    await this.records.append({
      actor: actorName(caller),
      action,
      resource,
      address: caller.address ?? null,
      detail: detail ?? null,
    });
  }
}
