import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A user's role in a project. Deleting the project or the user deletes the membership. */
@Entity('project_members')
@Index('project_members_user', ['userId'])
export class ProjectMemberEntity {
  @PrimaryColumn({ name: 'project_id', type: 'bigint' })
  projectId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'bigint' })
  userId!: string;

  /** `admin`, `maintainer`, `developer`, `guest` or `limited-guest` (a CHECK constraint). */
  @Column({ type: 'text' })
  role!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
