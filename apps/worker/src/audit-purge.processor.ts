import { Logger } from '@nestjs/common';
import type { AuditRecords, LoginFailureRecords, RefreshTokenRecords, SystemSettings } from '@berth/db';
import { AUDIT_RETENTION_SETTING, purgeAuditLog, readAuditRetention } from '@berth/registry';

/**
 * `audit.purge`: audit events past the retention (the stored setting, else
 * BERTH_AUDIT_RETENTION_DAYS; 0 keeps them), then expired refresh tokens and old login failures.
 */
export class AuditPurgeProcessor {
  private readonly logger = new Logger('audit');

  constructor(
    private readonly stores: {
      audit: AuditRecords;
      refreshTokens: RefreshTokenRecords;
      loginFailures: LoginFailureRecords;
      settings: SystemSettings;
    },
    private readonly defaultRetentionDays: number,
  ) {}

  async run(): Promise<void> {
    const retentionDays = readAuditRetention(
      await this.stores.settings.get(AUDIT_RETENTION_SETTING),
      this.defaultRetentionDays,
    );
    const report = await purgeAuditLog(this.stores, { retentionDays });
    this.logger.log({ message: 'audit purge finished', ...report, retentionDays });
  }
}
