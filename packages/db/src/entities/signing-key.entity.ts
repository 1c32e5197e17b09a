import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A token-signing public key, published so that every api replica can verify tokens signed by
 * any token replica. Private keys are never stored here.
 */
@Entity('signing_keys')
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'text' })
  kid!: string;

  /** The public JWK. */
  @Column({ type: 'jsonb' })
  jwk!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** From this instant on the key verifies nothing; null while it is in use. */
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;
}
