import { Module, type DynamicModule } from '@nestjs/common';
import { Authenticator, type SigningKey } from '@berth/auth';
import {
  AuditRecords,
  DataSource,
  LoginAudit,
  ProjectRecords,
  SigningKeyRecords,
  TypeormAuditRecords,
  TypeormLoginFailureRecords,
  TypeormProjectRecords,
  TypeormRefreshTokenRecords,
  TypeormRobotRecords,
  TypeormSigningKeyRecords,
  TypeormUserRecords,
  UserRecords,
} from '@berth/db';
import { LoginAuditFlusher } from './login-audit.flusher.js';
import { TokenController } from './token.controller.js';
import { TokenIssuer } from './token-issuer.js';
import { TokenSettings } from './token-settings.js';

export interface LoginAuditSettings {
  /** BERTH_AUDIT_PULL_WINDOW_SECONDS: logins of one account from one address in a window are one row. */
  windowSeconds: number;
  /** How often closed windows are written (default 1 s). */
  flushMs?: number;
}

@Module({})
export class TokenModule {
  static register(
    dataSource: DataSource,
    key: SigningKey,
    service: string,
    logins: LoginAuditSettings,
  ): DynamicModule {
    const users = new TypeormUserRecords(dataSource);
    const robots = new TypeormRobotRecords(dataSource);
    const projects = new TypeormProjectRecords(dataSource);
    const refreshTokens = new TypeormRefreshTokenRecords(dataSource);
    const failures = new TypeormLoginFailureRecords(dataSource);
    const audit = new TypeormAuditRecords(dataSource);
    const loginAudit = new LoginAudit(audit, { windowMs: logins.windowSeconds * 1000 });
    return {
      module: TokenModule,
      controllers: [TokenController],
      providers: [
        { provide: UserRecords, useValue: users },
        { provide: ProjectRecords, useValue: projects },
        { provide: AuditRecords, useValue: audit },
        { provide: LoginAudit, useValue: loginAudit },
        {
          provide: LoginAuditFlusher,
          useFactory: () => new LoginAuditFlusher(loginAudit, logins.flushMs ?? 1_000),
        },
        { provide: SigningKeyRecords, useValue: new TypeormSigningKeyRecords(dataSource) },
        { provide: Authenticator, useValue: new Authenticator(users, robots, failures) },
        {
          provide: TokenIssuer,
          useValue: new TokenIssuer(projects, users, robots, refreshTokens, key, service),
        },
        { provide: TokenSettings, useValue: new TokenSettings(service) },
      ],
    };
  }
}
