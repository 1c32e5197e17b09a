import type { AuditRecords, LoginFailureRecords, RefreshTokenRecords } from '@berth/db';

/** The `system_settings` key of the audit retention (`{days}`; 0 keeps events forever). */
export const AUDIT_RETENTION_SETTING = 'audit.retention';

/** The stored retention in days, or `defaultDays` when unset or malformed (another version wrote it). */
export function readAuditRetention(value: unknown, defaultDays: number): number {
  const days = (value as { days?: unknown } | null | undefined)?.days;
  return typeof days === 'number' && Number.isSafeInteger(days) && days >= 0 ? days : defaultDays;
}

export interface AuditPurgeStores {
  audit: Pick<AuditRecords, 'deleteOlderThan'>;
  refreshTokens: Pick<RefreshTokenRecords, 'prune'>;
  loginFailures: Pick<LoginFailureRecords, 'prune'>;
}

export interface AuditPurgeOptions {
  /** Events older than this many days go; 0 keeps them all. */
  retentionDays: number;
  /** Events per DELETE (each its own short transaction). Default 5,000. */
  batchSize?: number;
  now?: Date;
}

export interface AuditPurgeReport {
  auditEventsDeleted: number;
  refreshTokensDeleted: number;
  loginFailuresDeleted: number;
}

/**
 * How long refresh tokens stay after they expired or were revoked, and login failures after
 * they happened: a day, far past any throttling window, so nothing in use is removed.
 */
export const TOKEN_STATE_GRACE_SECONDS = 86_400;

/**
 * The `audit.purge` job: deletes audit events older than the retention in batches (short
 * transactions, so writers are never blocked for long), then the refresh tokens and login
 * failures no one needs any more (expired or revoked, or past throttling, for a day).
 */
export async function purgeAuditLog(
  stores: AuditPurgeStores,
  options: AuditPurgeOptions,
): Promise<AuditPurgeReport> {
  const batchSize = options.batchSize ?? 5_000;
  let auditEventsDeleted = 0;
  if (options.retentionDays > 0) {
    const now = options.now ?? new Date();
    const cutoff = new Date(now.getTime() - options.retentionDays * 86_400_000);
    for (;;) {
      const deleted = await stores.audit.deleteOlderThan(cutoff, batchSize);
      auditEventsDeleted += deleted;
      if (deleted < batchSize) break;
    }
  }
  return {
    auditEventsDeleted,
    refreshTokensDeleted: await stores.refreshTokens.prune(TOKEN_STATE_GRACE_SECONDS),
    loginFailuresDeleted: await stores.loginFailures.prune(TOKEN_STATE_GRACE_SECONDS),
  };
}
