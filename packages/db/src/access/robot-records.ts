import type { DataSource } from 'typeorm';
import { ConflictError, InvalidArgumentError, NotFoundError } from './errors.js';
import { FOREIGN_KEY_VIOLATION, translating, UNIQUE_VIOLATION } from './pg-errors.js';
import { changedCount, isRecordId } from './statements.js';

/** One explicit permission: `actions` (`pull`, `push`, `delete`, `*`) in `project` (`*`: any). */
export interface RobotPermissionRecord {
  project: string;
  actions: string[];
}

export interface RobotRecord {
  id: string;
  /** The full account name: `robot$<project>+<name>` or `robot$<name>`. */
  name: string;
  /** `null` for a system robot. */
  projectId: string | null;
  /** The project's name, for the token service's `Subject`; `null` for a system robot. */
  projectName: string | null;
  description: string | null;
  /** The stored hash of the secret. Never serialise it. */
  secretHash: string;
  permissions: RobotPermissionRecord[];
  /** `null`: never expires. */
  expiresAt: Date | null;
  disabled: boolean;
  createdAt: Date;
}

/** A robot as listings show it: everything but the secret hash. */
export type RobotSummary = Omit<RobotRecord, 'secretHash'>;

export interface NewRobot {
  /** The full account name, stored as given (the caller builds `robot$<project>+<name>`). */
  name: string;
  /** The owning project; absent or `null` for a system robot. */
  projectId?: string | null;
  description?: string | null;
  secretHash: string;
  permissions: RobotPermissionRecord[];
  /** Absent or `null`: never expires. */
  expiresAt?: Date | null;
}

/**
 * Port: robot accounts. Finding a robot does not judge it: the caller refuses disabled robots
 * and those whose `expiresAt` has passed.
 */
export abstract class RobotRecords {
  /**
   * Creates an enabled robot. Throws `ConflictError` when the name is taken (names are unique
   * across projects), `NotFoundError` when `projectId` names no project, and
   * `InvalidArgumentError` for malformed permissions.
   */
  abstract create(robot: NewRobot): Promise<RobotRecord>;
  /** The robot with exactly this full name, or `undefined`. */
  abstract findByName(name: string): Promise<RobotRecord | undefined>;
  /** The robot, or `undefined` (also when `id` cannot be an id). */
  abstract findById(id: string): Promise<RobotRecord | undefined>;
  /**
   * The robots of a project, or with `null` the system robots, ordered by name, without their
   * hashes. Empty for a missing project.
   */
  abstract list(projectId: string | null): Promise<RobotSummary[]>;
  /**
   * Rotates the secret: stores the new hash and revokes the robot's refresh tokens in the same
   * statement. Returns `false` when the robot does not exist.
   */
  abstract setSecretHash(id: string, secretHash: string): Promise<boolean>;
  /**
   * Disables or re-enables the robot. Disabling revokes its refresh tokens; re-enabling does not
   * bring them back. Returns `false` when the robot does not exist.
   */
  abstract setDisabled(id: string, disabled: boolean): Promise<boolean>;
  /** Deletes the robot and revokes its refresh tokens. Returns `false` when it did not exist. */
  abstract delete(id: string): Promise<boolean>;
}

interface RobotRow {
  id: string;
  name: string;
  project_id: string | null;
  project_name: string | null;
  description: string | null;
  secret_hash: string;
  permissions: RobotPermissionRecord[];
  expires_at: Date | null;
  disabled: boolean;
  created_at: Date;
}

const SELECT = `SELECT r.id, r.name, r.project_id, p.name AS project_name, r.description, r.secret_hash,
  r.permissions, r.expires_at, r.disabled, r.created_at`;

const toSummary = (row: Omit<RobotRow, 'secret_hash'>): RobotSummary => ({
  id: row.id,
  name: row.name,
  projectId: row.project_id,
  projectName: row.project_name,
  description: row.description,
  permissions: row.permissions,
  expiresAt: row.expires_at,
  disabled: row.disabled,
  createdAt: row.created_at,
});

const toRecord = (row: RobotRow): RobotRecord => ({ ...toSummary(row), secretHash: row.secret_hash });

function assertPermissions(permissions: unknown): asserts permissions is RobotPermissionRecord[] {
  const valid =
    Array.isArray(permissions) &&
    permissions.every(
      (p: unknown) =>
        typeof p === 'object' &&
        p !== null &&
        typeof (p as RobotPermissionRecord).project === 'string' &&
        Array.isArray((p as RobotPermissionRecord).actions) &&
        (p as RobotPermissionRecord).actions.every((a) => typeof a === 'string'),
    );
  if (!valid) throw new InvalidArgumentError('permissions must be a list of {project, actions: string[]}');
}

/** Revokes the refresh tokens of the robots returned by the CTE `changed`. */
const revokeChanged = (condition = 'true') => `revoked AS (
  UPDATE refresh_tokens SET revoked_at = now()
  WHERE subject_kind = 'robot' AND subject_id IN (SELECT id FROM changed WHERE ${condition})
    AND revoked_at IS NULL)`;

export class TypeormRobotRecords extends RobotRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async create(robot: NewRobot): Promise<RobotRecord> {
    assertPermissions(robot.permissions);
    const projectId = robot.projectId ?? null;
    const missing = () => new NotFoundError(`project ${String(projectId)} does not exist`);
    if (projectId !== null && !isRecordId(projectId)) throw missing();
    const permissions = robot.permissions.map(({ project, actions }) => ({ project, actions: [...actions] }));
    const rows: RobotRow[] = await translating(
      () =>
        this.db.query(
          `WITH r AS (
             INSERT INTO robots (name, project_id, description, secret_hash, permissions, expires_at)
             VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING *)
           ${SELECT} FROM r LEFT JOIN projects p ON p.id = r.project_id`,
          [
            robot.name,
            projectId,
            robot.description ?? null,
            robot.secretHash,
            JSON.stringify(permissions),
            robot.expiresAt ?? null,
          ],
        ),
      {
        [UNIQUE_VIOLATION]: () => new ConflictError(`robot ${robot.name} already exists`),
        [FOREIGN_KEY_VIOLATION]: missing,
      },
    );
    return toRecord(rows[0]!);
  }

  async findByName(name: string): Promise<RobotRecord | undefined> {
    const rows: RobotRow[] = await this.db.query(
      `${SELECT} FROM robots r LEFT JOIN projects p ON p.id = r.project_id WHERE r.name = $1`,
      [name],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async findById(id: string): Promise<RobotRecord | undefined> {
    if (!isRecordId(id)) return undefined;
    const rows: RobotRow[] = await this.db.query(
      `${SELECT} FROM robots r LEFT JOIN projects p ON p.id = r.project_id WHERE r.id = $1`,
      [id],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async list(projectId: string | null): Promise<RobotSummary[]> {
    if (projectId !== null && !isRecordId(projectId)) return [];
    const rows: RobotRow[] = await this.db.query(
      `${SELECT} FROM robots r LEFT JOIN projects p ON p.id = r.project_id
       WHERE r.project_id IS NOT DISTINCT FROM $1::bigint ORDER BY r.name, r.id`,
      [projectId],
    );
    return rows.map(toSummary);
  }

  async setSecretHash(id: string, secretHash: string): Promise<boolean> {
    if (!isRecordId(id)) return false;
    const n = await changedCount(
      this.db,
      `WITH changed AS (UPDATE robots SET secret_hash = $2 WHERE id = $1 RETURNING id), ${revokeChanged()}
       SELECT count(*)::int AS n FROM changed`,
      [id, secretHash],
    );
    return n > 0;
  }

  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    if (!isRecordId(id)) return false;
    const n = await changedCount(
      this.db,
      `WITH changed AS (UPDATE robots SET disabled = $2 WHERE id = $1 RETURNING id, disabled),
       ${revokeChanged('disabled')}
       SELECT count(*)::int AS n FROM changed`,
      [id, disabled],
    );
    return n > 0;
  }

  async delete(id: string): Promise<boolean> {
    if (!isRecordId(id)) return false;
    const n = await changedCount(
      this.db,
      `WITH changed AS (DELETE FROM robots WHERE id = $1 RETURNING id), ${revokeChanged()}
       SELECT count(*)::int AS n FROM changed`,
      [id],
    );
    return n > 0;
  }
}
