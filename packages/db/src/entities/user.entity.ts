import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A person who logs in with a username and password. */
@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** Case-sensitive, as the unique constraint is. */
  @Column({ type: 'text', unique: true })
  username!: string;

  @Column({ type: 'text', nullable: true })
  email!: string | null;

  /** An argon2id or bcrypt hash in PHC form; never the password. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ name: 'system_admin', type: 'boolean', default: false })
  systemAdmin!: boolean;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  /** Tokens issued before this instant are stale: their refresh tokens are revoked with the change. */
  @Column({ name: 'password_changed_at', type: 'timestamptz', default: () => 'now()' })
  passwordChangedAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
