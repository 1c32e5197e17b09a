import { Module, type DynamicModule } from '@nestjs/common';
import { Authenticator } from '@berth/auth';
import {
  AuditRecords,
  DataSource,
  MemberRecords,
  ProjectRecords,
  QuotaRecords,
  RepositoryRecords,
  RobotRecords,
  TypeormAuditRecords,
  TypeormLoginFailureRecords,
  TypeormMemberRecords,
  TypeormProjectRecords,
  TypeormQuotaRecords,
  TypeormRepositoryRecords,
  TypeormRobotRecords,
  TypeormSigningKeyRecords,
  TypeormUserRecords,
  UserRecords,
} from '@berth/db';
import { TokenKeys } from '../auth/token-keys.js';
import { SubjectDirectory } from '../auth/subject-directory.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminSafety } from './admin.safety.js';
import { AuditLogsController } from './audit-logs.controller.js';
import { AuditLogsService } from './audit-logs.service.js';
import { AuditTrail } from './audit.trail.js';
import { CallerResolver } from './caller.resolver.js';
import { PagingInterceptor } from './paging.interceptor.js';
import { ProjectAuditLogsController } from './project-audit-logs.controller.js';
import { ProjectAccess } from './project.access.js';
import { ProjectQuotaController } from './project-quota.controller.js';
import { ProjectQuotaService } from './project-quota.service.js';
import { ProjectsController } from './projects.controller.js';
import { ProjectsService } from './projects.service.js';
import { RecordErrorInterceptor } from './record-error.interceptor.js';
import { MembersController } from './members.controller.js';
import { MembersService } from './members.service.js';
import { ProjectRobotsController } from './project-robots.controller.js';
import { RobotsService } from './robots.service.js';
import { SystemRobotsController } from './system-robots.controller.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

export interface AdminSettings {
  /** The registry's token `service` (the audience of the tokens accepted as Bearer). */
  service: string;
}

/** The admin REST API at /api/v1: users, projects, members, robots and the audit log. */
@Module({})
export class AdminModule {
  static register(dataSource: DataSource, settings: AdminSettings): DynamicModule {
    const users = new TypeormUserRecords(dataSource);
    const robots = new TypeormRobotRecords(dataSource);
    const projects = new TypeormProjectRecords(dataSource);
    const audit = new TypeormAuditRecords(dataSource);
    const authenticator = new Authenticator(users, robots, new TypeormLoginFailureRecords(dataSource));
    const keys = new TokenKeys(new TypeormSigningKeyRecords(dataSource));
    return {
      module: AdminModule,
      controllers: [
        UsersController,
        ProjectsController,
        ProjectQuotaController,
        MembersController,
        ProjectRobotsController,
        SystemRobotsController,
        AuditLogsController,
        ProjectAuditLogsController,
      ],
      providers: [
        { provide: UserRecords, useValue: users },
        { provide: RobotRecords, useValue: robots },
        { provide: ProjectRecords, useValue: projects },
        { provide: MemberRecords, useValue: new TypeormMemberRecords(dataSource) },
        { provide: AuditRecords, useValue: audit },
        {
          provide: CallerResolver,
          useValue: new CallerResolver(
            authenticator,
            keys,
            new SubjectDirectory(users, robots),
            audit,
            settings.service,
          ),
        },
        { provide: AuditTrail, useValue: new AuditTrail(audit) },
        { provide: ProjectAccess, useValue: new ProjectAccess(projects) },
        { provide: RepositoryRecords, useValue: new TypeormRepositoryRecords(dataSource) },
        { provide: QuotaRecords, useValue: new TypeormQuotaRecords(dataSource) },
        { provide: AdminSafety, useValue: new AdminSafety(users) },
        AdminAuthGuard,
        RecordErrorInterceptor,
        PagingInterceptor,
        UsersService,
        ProjectsService,
        ProjectQuotaService,
        MembersService,
        RobotsService,
        AuditLogsService,
      ],
    };
  }
}
