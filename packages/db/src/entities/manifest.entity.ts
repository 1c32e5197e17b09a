import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A manifest or index, its bytes stored exactly as pushed. */
@Entity('manifests')
export class ManifestEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'repository_id', type: 'bigint' })
  repositoryId!: string;

  @Column({ type: 'text' })
  digest!: string;

  @Column({ name: 'media_type', type: 'text' })
  mediaType!: string;

  /** For the referrers API: `artifactType`, else the config's media type. */
  @Column({ name: 'artifact_type', type: 'text', nullable: true })
  artifactType!: string | null;

  @Column({ name: 'subject_digest', type: 'text', nullable: true })
  subjectDigest!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  annotations!: Record<string, string> | null;

  @Column({ type: 'integer' })
  size!: number;

  @Column({ type: 'bytea' })
  payload!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Pulls (GETs) counted in memory and added in batches by `PullRecords`. */
  @Column({ name: 'pull_count', type: 'bigint', default: 0 })
  pullCount!: string;

  @Column({ name: 'last_pulled_at', type: 'timestamptz', nullable: true })
  lastPulledAt!: Date | null;
}
