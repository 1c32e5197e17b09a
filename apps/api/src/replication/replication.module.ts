import { Module, type DynamicModule } from '@nestjs/common';
import { Authenticator } from '@berth/auth';
import { RegistryEvents } from '@berth/registry';
import {
  AuditRecords,
  CredentialCipher,
  type DataSource,
  RegistryRecords,
  ReplicationExecutionRecords,
  ReplicationPolicyRecords,
  TypeormAuditRecords,
  TypeormLoginFailureRecords,
  TypeormRegistryRecords,
  TypeormReplicationExecutionRecords,
  TypeormReplicationPolicyRecords,
  TypeormRobotRecords,
  TypeormSigningKeyRecords,
  TypeormUserRecords,
} from '@berth/db';
import { AdminAuthGuard } from '../admin/admin-auth.guard.js';
import { AuditTrail } from '../admin/audit.trail.js';
import { CallerResolver } from '../admin/caller.resolver.js';
import { PagingInterceptor } from '../admin/paging.interceptor.js';
import { RecordErrorInterceptor } from '../admin/record-error.interceptor.js';
import { SubjectDirectory } from '../auth/subject-directory.js';
import { TokenKeys } from '../auth/token-keys.js';
import { RegistriesService } from './registries.service.js';
import { ReplicationEventTrigger } from './replication-event.trigger.js';
import { ReplicationJobs } from './replication-jobs.js';
import { RegistriesController, ReplicationController } from './replication.controller.js';
import { ReplicationService } from './replication.service.js';

export interface ReplicationApiSettings {
  service: string;
  redisUrl: string;
  queuePrefix: string;
  /** The 32-byte BERTH_SECRET_KEY (see `resolveSecretKey`). */
  secretKey: Buffer;
}

/**
 * /api/v1/registries and /api/v1/replication: remote registries, policies, executions; and
 * event-triggered replication, listening to the `RegistryEvents` of `registry` (the one
 * `RegistryModule` of the app, so both see the same bus).
 */
@Module({})
export class ReplicationModule {
  static register(
    dataSource: DataSource,
    settings: ReplicationApiSettings,
    registry: DynamicModule,
  ): DynamicModule {
    const users = new TypeormUserRecords(dataSource);
    const robots = new TypeormRobotRecords(dataSource);
    const audit = new TypeormAuditRecords(dataSource);
    const policies = new TypeormReplicationPolicyRecords(dataSource);
    const executions = new TypeormReplicationExecutionRecords(dataSource);
    const jobs = new ReplicationJobs(settings);
    const resolver = new CallerResolver(
      new Authenticator(users, robots, new TypeormLoginFailureRecords(dataSource)),
      new TokenKeys(new TypeormSigningKeyRecords(dataSource)),
      new SubjectDirectory(users, robots),
      audit,
      settings.service,
    );
    return {
      module: ReplicationModule,
      imports: [registry],
      controllers: [RegistriesController, ReplicationController],
      providers: [
        { provide: CallerResolver, useValue: resolver },
        { provide: AuditRecords, useValue: audit },
        { provide: AuditTrail, useValue: new AuditTrail(audit) },
        {
          provide: RegistryRecords,
          useValue: new TypeormRegistryRecords(dataSource, new CredentialCipher(settings.secretKey)),
        },
        { provide: ReplicationPolicyRecords, useValue: policies },
        { provide: ReplicationExecutionRecords, useValue: executions },
        { provide: ReplicationJobs, useValue: jobs },
        {
          provide: ReplicationEventTrigger,
          useFactory: (events: RegistryEvents) =>
            new ReplicationEventTrigger(events, policies, executions, jobs),
          inject: [RegistryEvents],
        },
        AdminAuthGuard,
        RecordErrorInterceptor,
        PagingInterceptor,
        RegistriesService,
        ReplicationService,
      ],
    };
  }
}
