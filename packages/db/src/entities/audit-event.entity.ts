import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One entry of the audit log. Append-only. */
@Entity('audit_events')
@Index('audit_events_at_id', ['at', 'id'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  /** Who: a username, `robot$…`, or `anonymous`. */
  @Column({ type: 'text' })
  actor!: string;

  /** What, e.g. `user.create`, `project.delete`, `login`. */
  @Column({ type: 'text' })
  action!: string;

  /** On what, e.g. `project:library`, `user:alice`. */
  @Column({ type: 'text' })
  resource!: string;

  /** `success` or `failure`. */
  @Column({ type: 'text', default: 'success' })
  outcome!: string;

  @Column({ type: 'text', nullable: true })
  address!: string | null;

  /** Structured context; never a secret. */
  @Column({ type: 'jsonb', nullable: true })
  detail!: Record<string, unknown> | null;
}
