import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A verified blob in storage, shared by every repository that links it (content-addressed). */
@Entity('blobs')
export class BlobEntity {
  @PrimaryColumn({ type: 'text' })
  digest!: string;

  @Column({ type: 'bigint' })
  size!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Last upload, mount or link: garbage collection spares blobs touched within its grace window. */
  @Column({ name: 'touched_at', type: 'timestamptz', default: () => 'now()' })
  touchedAt!: Date;
}
