import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One failed login, counted per username and per source address over a sliding window. */
@Entity('login_failures')
@Index('login_failures_username', ['username', 'at'])
@Index('login_failures_address', ['address', 'at'])
export class LoginFailureEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** As typed by the client: it need not be an existing account. */
  @Column({ type: 'text' })
  username!: string;

  @Column({ type: 'text' })
  address!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
