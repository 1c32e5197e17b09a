import { Global, Module, type DynamicModule } from '@nestjs/common';
import { type DataSource, LoginAudit, TypeormAuditRecords } from '@berth/db';
import { LoginAuditFlusher } from './login-audit.flusher.js';

export interface LoginAuditSettings {
  /** BERTH_AUDIT_PULL_WINDOW_SECONDS: logins of one account from one address in a window are one row. */
  windowSeconds: number;
  /** How often closed windows are written (default 1 s). */
  flushMs?: number;
}

/**
 * The process's one `LoginAudit`, global so that `AdminAuthGuard` finds it in every module that
 * guards admin routes (admin, system, replication): one window per account and address, however
 * many modules the caller's requests go through.
 */
@Global()
@Module({})
export class LoginAuditModule {
  static register(dataSource: DataSource, settings: LoginAuditSettings): DynamicModule {
    const audit = new LoginAudit(new TypeormAuditRecords(dataSource), {
      windowMs: settings.windowSeconds * 1000,
    });
    return {
      module: LoginAuditModule,
      global: true,
      providers: [
        { provide: LoginAudit, useValue: audit },
        {
          provide: LoginAuditFlusher,
          useFactory: () => new LoginAuditFlusher(audit, settings.flushMs ?? 1_000),
        },
      ],
      exports: [LoginAudit],
    };
  }
}
