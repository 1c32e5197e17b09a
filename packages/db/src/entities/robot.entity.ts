import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A robot account: `robot$<project>+<name>` when `projectId` is set (deleted with the project),
 * `robot$<name>` for a system robot. Its secret is stored only as a hash.
 */
@Entity('robots')
export class RobotEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** The full account name, unique across projects. */
  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ name: 'project_id', type: 'bigint', nullable: true })
  projectId!: string | null;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'secret_hash', type: 'text' })
  secretHash!: string;

  /** `[{project, actions}]`; `project: '*'` is every project a system robot may reach. */
  @Column({ type: 'jsonb', default: () => `'[]'` })
  permissions!: { project: string; actions: string[] }[];

  /** Null: never expires. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
