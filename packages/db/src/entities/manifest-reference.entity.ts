import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One edge of the content graph: a manifest's config, layer, or an index's child manifest. */
@Entity('manifest_references')
export class ManifestReferenceEntity {
  @PrimaryColumn({ name: 'manifest_id', type: 'bigint' })
  manifestId!: string;

  @PrimaryColumn({ type: 'integer' })
  position!: number;

  @Column({ type: 'text' })
  digest!: string;

  /** `config` | `layer` | `manifest` */
  @Column({ type: 'text' })
  kind!: string;

  /** The parent's repository, for `manifest` references only (set by a trigger). */
  @Column({ name: 'repository_id', type: 'bigint', nullable: true })
  repositoryId!: string | null;
}
