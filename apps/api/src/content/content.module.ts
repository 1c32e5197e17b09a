import { Module, type DynamicModule } from '@nestjs/common';
import { Authenticator } from '@berth/auth';
import {
  ArtifactCatalog,
  RepositoryCatalog,
  TypeormArtifactCatalog,
  TypeormAuditRecords,
  TypeormLoginFailureRecords,
  TypeormProjectRecords,
  TypeormPullRecords,
  TypeormRepositoryCatalog,
  TypeormRobotRecords,
  TypeormSigningKeyRecords,
  TypeormUserRecords,
  type DataSource,
} from '@berth/db';
import { ArtifactOperations, PullTally, Registry, RegistryEvents } from '@berth/registry';
import { CallerResolver } from '../admin/caller.resolver.js';
import { SubjectDirectory } from '../auth/subject-directory.js';
import { TokenKeys } from '../auth/token-keys.js';
import { ArtifactsController } from './artifacts.controller.js';
import { ArtifactsService } from './artifacts.service.js';
import { ContentAccess } from './content.access.js';
import { ContentViewerGuard } from './content-viewer.guard.js';
import { flushErrorLogger, PullCounterListener } from './pull-counter.listener.js';
import { RepositoriesController } from './repositories.controller.js';
import { RepositoriesService } from './repositories.service.js';

export interface ContentSettings {
  /** The registry's token `service` (the audience of the tokens accepted as Bearer). */
  service: string;
  /** BERTH_PULL_FLUSH_MS: how often pull counters are written. */
  pullFlushMs: number;
}

/**
 * The admin API's repositories and artifacts (/api/v1/repositories,
 * /api/v1/projects/{project}/repositories/…), and the pull counters they show. `registry` is
 * the app's `RegistryModule`, for the one `Registry` and `RegistryEvents` of the process.
 */
@Module({})
export class ContentModule {
  static register(registry: DynamicModule, dataSource: DataSource, settings: ContentSettings): DynamicModule {
    const users = new TypeormUserRecords(dataSource);
    const robots = new TypeormRobotRecords(dataSource);
    const artifacts = new TypeormArtifactCatalog(dataSource);
    const repositories = new TypeormRepositoryCatalog(dataSource);
    const resolver = new CallerResolver(
      new Authenticator(users, robots, new TypeormLoginFailureRecords(dataSource)),
      new TokenKeys(new TypeormSigningKeyRecords(dataSource)),
      new SubjectDirectory(users, robots),
      new TypeormAuditRecords(dataSource),
      settings.service,
    );
    return {
      module: ContentModule,
      imports: [registry],
      controllers: [RepositoriesController, ArtifactsController],
      providers: [
        { provide: CallerResolver, useValue: resolver },
        { provide: ArtifactCatalog, useValue: artifacts },
        { provide: RepositoryCatalog, useValue: repositories },
        { provide: ContentAccess, useValue: new ContentAccess(new TypeormProjectRecords(dataSource)) },
        {
          provide: ArtifactOperations,
          useFactory: (core: Registry) => new ArtifactOperations(core, artifacts, repositories),
          inject: [Registry],
        },
        {
          provide: PullCounterListener,
          useFactory: (events: RegistryEvents) =>
            new PullCounterListener(
              events,
              new PullTally(new TypeormPullRecords(dataSource), { onError: flushErrorLogger() }),
              settings.pullFlushMs,
            ),
          inject: [RegistryEvents],
        },
        ContentViewerGuard,
        RepositoriesService,
        ArtifactsService,
      ],
    };
  }
}
