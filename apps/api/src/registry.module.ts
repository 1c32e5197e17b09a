import { Logger, Module, type DynamicModule } from '@nestjs/common';
import {
  BlobRecords,
  DataSource,
  ManifestRecords,
  RepositoryRecords,
  TypeormBlobRecords,
  TypeormManifestRecords,
  TypeormRepositoryRecords,
  TypeormUploadRecords,
  UploadRecords,
  TypeormSigningKeyRecords,
  TypeormUserRecords,
  TypeormRobotRecords,
  TypeormProjectRecords,
} from '@berth/db';
import { RepositoryAccess } from './auth/repository-access.js';
import { SubjectDirectory } from './auth/subject-directory.js';
import { TokenKeys } from './auth/token-keys.js';
import { V2Authorizer, type AuthorizerSettings } from './auth/v2-authorizer.js';
import { Registry, RegistryEvents } from '@berth/registry';
import type { StorageDriver } from '@berth/storage';
import { BlobHandler } from './v2/blob.handler.js';
import { ListingHandler } from './v2/listing.handler.js';
import { ManifestHandler } from './v2/manifest.handler.js';
import { UploadHandler } from './v2/upload.handler.js';
import { V2Controller } from './v2/v2.controller.js';

export const STORAGE_DRIVER = Symbol('StorageDriver');

/** Wires the registry core to PostgreSQL and the storage driver, and serves it at /v2/. */
@Module({})
export class RegistryModule {
  static register(dataSource: DataSource, storage: StorageDriver, auth: AuthorizerSettings): DynamicModule {
    return {
      module: RegistryModule,
      controllers: [V2Controller],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: STORAGE_DRIVER, useValue: storage },
        {
          provide: RepositoryRecords,
          useFactory: (db: DataSource) => new TypeormRepositoryRecords(db),
          inject: [DataSource],
        },
        {
          provide: BlobRecords,
          useFactory: (db: DataSource) => new TypeormBlobRecords(db),
          inject: [DataSource],
        },
        {
          provide: UploadRecords,
          useFactory: (db: DataSource) => new TypeormUploadRecords(db),
          inject: [DataSource],
        },
        {
          provide: ManifestRecords,
          useFactory: (db: DataSource) => new TypeormManifestRecords(db),
          inject: [DataSource],
        },
        {
          provide: Registry,
          useFactory: (
            repositories: RepositoryRecords,
            blobs: BlobRecords,
            uploads: UploadRecords,
            manifests: ManifestRecords,
            driver: StorageDriver,
          ) => new Registry({ repositories, blobs, uploads, manifests, storage: driver }),
          inject: [RepositoryRecords, BlobRecords, UploadRecords, ManifestRecords, STORAGE_DRIVER],
        },
        {
          // One bus per process: the audit trail, pull counters, metrics and event-triggered
          // replication subscribe to it; a listener's failure is logged, never the request's.
          provide: RegistryEvents,
          useFactory: () => {
            const logger = new Logger('RegistryEvents');
            return new RegistryEvents((error, event) =>
              logger.error(`listener failed on ${event.kind} ${event.repository}: ${String(error)}`),
            );
          },
        },
        {
          provide: RepositoryAccess,
          useValue: new RepositoryAccess(
            new SubjectDirectory(new TypeormUserRecords(dataSource), new TypeormRobotRecords(dataSource)),
            new TypeormProjectRecords(dataSource),
          ),
        },
        {
          provide: V2Authorizer,
          useFactory: (access: RepositoryAccess) =>
            new V2Authorizer(new TokenKeys(new TypeormSigningKeyRecords(dataSource)), auth, access),
          inject: [RepositoryAccess],
        },
        BlobHandler,
        UploadHandler,
        ManifestHandler,
        ListingHandler,
      ],
      exports: [Registry, RegistryEvents, DataSource],
    };
  }
}
