import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A refresh token (`docker login`'s identity token), stored only as a hash. The subject is a
 * user or a robot, so there is no foreign key: revoking on delete is the stores' job.
 */
@Entity('refresh_tokens')
@Index('refresh_tokens_subject', ['subjectKind', 'subjectId'])
export class RefreshTokenEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'token_hash', type: 'text', unique: true })
  tokenHash!: string;

  /** `user` or `robot` (a CHECK constraint). */
  @Column({ name: 'subject_kind', type: 'text' })
  subjectKind!: string;

  @Column({ name: 'subject_id', type: 'bigint' })
  subjectId!: string;

  /** The `service` the token was issued for. */
  @Column({ type: 'text' })
  audience!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
