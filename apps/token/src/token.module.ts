import { Module, type DynamicModule } from '@nestjs/common';
import { Authenticator, type SigningKey } from '@berth/auth';
import {
  AuditRecords,
  DataSource,
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
import { TokenController } from './token.controller.js';
import { TokenIssuer } from './token-issuer.js';
import { TokenSettings } from './token-settings.js';

@Module({})
export class TokenModule {
  static register(dataSource: DataSource, key: SigningKey, service: string): DynamicModule {
    const users = new TypeormUserRecords(dataSource);
    const robots = new TypeormRobotRecords(dataSource);
    const projects = new TypeormProjectRecords(dataSource);
    const refreshTokens = new TypeormRefreshTokenRecords(dataSource);
    const failures = new TypeormLoginFailureRecords(dataSource);
    return {
      module: TokenModule,
      controllers: [TokenController],
      providers: [
        { provide: UserRecords, useValue: users },
        { provide: ProjectRecords, useValue: projects },
        { provide: AuditRecords, useValue: new TypeormAuditRecords(dataSource) },
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
