import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A repository (`<project>/<path>`). Created implicitly by the first push or upload. */
@Entity('repositories')
export class RepositoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Pulls of its manifests, added in batches by `PullRecords`. */
  @Column({ name: 'pull_count', type: 'bigint', default: 0 })
  pullCount!: string;
}
