import { BlobService } from './blob-service.js';
import { ListingService } from './listing-service.js';
import { ManifestService } from './manifest-service.js';
import type { RegistryStores } from './registry-stores.js';
import { UploadService } from './upload-service.js';

/** The registry core, assembled from its stores. Apps hold one per process. */
export class Registry {
  readonly blobs: BlobService;
  readonly uploads: UploadService;
  readonly manifests: ManifestService;
  readonly listings: ListingService;

  constructor(stores: RegistryStores) {
    this.blobs = new BlobService(stores);
    this.uploads = new UploadService(stores);
    this.manifests = new ManifestService(stores);
    this.listings = new ListingService(stores);
  }
}
