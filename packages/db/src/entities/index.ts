import { BlobEntity } from './blob.entity.js';
import { ManifestReferenceEntity } from './manifest-reference.entity.js';
import { ManifestEntity } from './manifest.entity.js';
import { RepositoryBlobEntity } from './repository-blob.entity.js';
import { RepositoryEntity } from './repository.entity.js';
import { TagEntity } from './tag.entity.js';
import { UploadSessionEntity } from './upload-session.entity.js';

export {
  BlobEntity,
  ManifestEntity,
  ManifestReferenceEntity,
  RepositoryBlobEntity,
  RepositoryEntity,
  TagEntity,
  UploadSessionEntity,
};

export const ENTITIES = [
  RepositoryEntity,
  BlobEntity,
  RepositoryBlobEntity,
  ManifestEntity,
  ManifestReferenceEntity,
  TagEntity,
  UploadSessionEntity,
];
