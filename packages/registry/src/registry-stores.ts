import type { BlobRecords, ManifestRecords, RepositoryRecords, UploadRecords } from '@berth/db';
import type { StorageDriver } from '@berth/storage';

/** What the registry core needs from the outside world: metadata ports and blob storage. */
export interface RegistryStores {
  repositories: RepositoryRecords;
  blobs: BlobRecords;
  uploads: UploadRecords;
  manifests: ManifestRecords;
  storage: StorageDriver;
}
