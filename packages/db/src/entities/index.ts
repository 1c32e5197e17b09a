import { AuditEventEntity } from './audit-event.entity.js';
import { BlobEntity } from './blob.entity.js';
import { LoginFailureEntity } from './login-failure.entity.js';
import { ManifestReferenceEntity } from './manifest-reference.entity.js';
import { ManifestEntity } from './manifest.entity.js';
import { ProjectMemberEntity } from './project-member.entity.js';
import { ProjectEntity } from './project.entity.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { RepositoryBlobEntity } from './repository-blob.entity.js';
import { RepositoryEntity } from './repository.entity.js';
import { RobotEntity } from './robot.entity.js';
import { SigningKeyEntity } from './signing-key.entity.js';
import { TagEntity } from './tag.entity.js';
import { UploadSessionEntity } from './upload-session.entity.js';
import { UserEntity } from './user.entity.js';

export {
  AuditEventEntity,
  BlobEntity,
  LoginFailureEntity,
  ManifestEntity,
  ManifestReferenceEntity,
  ProjectEntity,
  ProjectMemberEntity,
  RefreshTokenEntity,
  RepositoryBlobEntity,
  RepositoryEntity,
  RobotEntity,
  SigningKeyEntity,
  TagEntity,
  UploadSessionEntity,
  UserEntity,
};

export const ENTITIES = [
  RepositoryEntity,
  BlobEntity,
  RepositoryBlobEntity,
  ManifestEntity,
  ManifestReferenceEntity,
  TagEntity,
  UploadSessionEntity,
  UserEntity,
  ProjectEntity,
  ProjectMemberEntity,
  RobotEntity,
  SigningKeyEntity,
  RefreshTokenEntity,
  LoginFailureEntity,
  AuditEventEntity,
];
