import type { DataSource } from 'typeorm';
import { ConflictError, InvalidArgumentError, NotFoundError } from './errors.js';
import { FOREIGN_KEY_VIOLATION, translating, UNIQUE_VIOLATION } from './pg-errors.js';
import { changedCount, isRecordId } from './statements.js';

/** Project roles, strongest first (the schema's CHECK constraint; `@berth/auth`'s `Role`). */
export const MEMBER_ROLES = ['admin', 'maintainer', 'developer', 'guest', 'limited-guest'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export function isMemberRole(value: unknown): value is MemberRole {
  return typeof value === 'string' && (MEMBER_ROLES as readonly string[]).includes(value);
}

export interface MemberRecord {
  userId: string;
  username: string;
  role: MemberRole;
  createdAt: Date;
}

/** Port: users' roles in projects. One role per user and project. */
export abstract class MemberRecords {
  /**
   * Makes the user a member with `role`. Throws `ConflictError` when already a member (change
   * the role with `setRole`), `NotFoundError` when the project or user does not exist, and
   * `InvalidArgumentError` for a role outside `MEMBER_ROLES`.
   */
  abstract add(projectId: string, userId: string, role: MemberRole): Promise<MemberRecord>;
  /** The project's members ordered by username; empty for a missing project. */
  abstract list(projectId: string): Promise<MemberRecord[]>;
  /**
   * Changes a member's role. Returns `false` when the user is not a member. Throws
   * `InvalidArgumentError` for a role outside `MEMBER_ROLES`.
   */
  abstract setRole(projectId: string, userId: string, role: MemberRole): Promise<boolean>;
  /** Ends a membership. Returns `false` when the user was not a member. */
  abstract remove(projectId: string, userId: string): Promise<boolean>;
}

interface MemberRow {
  user_id: string;
  username: string;
  role: MemberRole;
  created_at: Date;
}

const toRecord = (row: MemberRow): MemberRecord => ({
  userId: row.user_id,
  username: row.username,
  role: row.role,
  createdAt: row.created_at,
});

function assertRole(role: string): void {
  if (!isMemberRole(role)) {
    throw new InvalidArgumentError(
      `unknown role ${JSON.stringify(role)}; use one of ${MEMBER_ROLES.join(', ')}`,
    );
  }
}

export class TypeormMemberRecords extends MemberRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async add(projectId: string, userId: string, role: MemberRole): Promise<MemberRecord> {
    assertRole(role);
    const missing = () => new NotFoundError(`project ${projectId} or user ${userId} does not exist`);
    if (!isRecordId(projectId) || !isRecordId(userId)) throw missing();
    // Inserting from the user row makes a missing user an empty result, and yields the username.
    const rows: MemberRow[] = await translating(
      () =>
        this.db.query(
          `WITH member AS (SELECT id, username FROM users WHERE id = $2),
           added AS (
             INSERT INTO project_members (project_id, user_id, role) SELECT $1, id, $3 FROM member
             RETURNING user_id, role, created_at)
           SELECT a.user_id, m.username, a.role, a.created_at FROM added a JOIN member m ON m.id = a.user_id`,
          [projectId, userId, role],
        ),
      {
        [UNIQUE_VIOLATION]: () =>
          new ConflictError(`user ${userId} is already a member of project ${projectId}`),
        [FOREIGN_KEY_VIOLATION]: missing,
      },
    );
    if (rows[0] === undefined) throw missing();
    return toRecord(rows[0]);
  }

  async list(projectId: string): Promise<MemberRecord[]> {
    if (!isRecordId(projectId)) return [];
    const rows: MemberRow[] = await this.db.query(
      `SELECT m.user_id, u.username, m.role, m.created_at
       FROM project_members m JOIN users u ON u.id = m.user_id
       WHERE m.project_id = $1 ORDER BY u.username, u.id`,
      [projectId],
    );
    return rows.map(toRecord);
  }

  async setRole(projectId: string, userId: string, role: MemberRole): Promise<boolean> {
    assertRole(role);
    if (!isRecordId(projectId) || !isRecordId(userId)) return false;
    const n = await changedCount(
      this.db,
      `WITH changed AS (
         UPDATE project_members SET role = $3 WHERE project_id = $1 AND user_id = $2 RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [projectId, userId, role],
    );
    return n > 0;
  }

  async remove(projectId: string, userId: string): Promise<boolean> {
    if (!isRecordId(projectId) || !isRecordId(userId)) return false;
    const n = await changedCount(
      this.db,
      `WITH changed AS (DELETE FROM project_members WHERE project_id = $1 AND user_id = $2 RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [projectId, userId],
    );
    return n > 0;
  }
}
