import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * An upload in progress. The bytes live in storage under `/uploads/<id>/data`; this row makes
 * the session known to every api replica and survives restarts.
 */
@Entity('upload_sessions')
export class UploadSessionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'repository_id', type: 'bigint' })
  repositoryId!: string;

  /** Bytes accepted so far: the end of the `Range` the client is told. */
  @Column({ type: 'bigint', default: 0 })
  size!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
