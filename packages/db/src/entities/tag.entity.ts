import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('tags')
export class TagEntity {
  @PrimaryColumn({ name: 'repository_id', type: 'bigint' })
  repositoryId!: string;

  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ name: 'manifest_id', type: 'bigint' })
  manifestId!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
