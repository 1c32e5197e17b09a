import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A project: the first segment of a repository name. Repositories are not linked by key; they
 * belong to the project whose name is their first path segment.
 */
@Entity('projects')
export class ProjectEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  /** Anyone, anonymous included, may pull. */
  @Column({ type: 'boolean', default: false })
  public!: boolean;

  /** The quota; null means unlimited. */
  @Column({ name: 'storage_limit_bytes', type: 'bigint', nullable: true })
  storageLimitBytes!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
