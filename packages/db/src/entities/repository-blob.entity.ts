import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A repository's right to a blob. Pull, mount and manifest validation go through links, so a
 * blob pushed to one repository is not readable through another without a mount.
 */
@Entity('repository_blobs')
export class RepositoryBlobEntity {
  @PrimaryColumn({ name: 'repository_id', type: 'bigint' })
  repositoryId!: string;

  @PrimaryColumn({ type: 'text' })
  digest!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
