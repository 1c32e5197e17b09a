import type { DataSource } from 'typeorm';
import { ConflictError, InvalidArgumentError } from './errors.js';
import { fetchPage, filterText, orderBy, pageWindow, type Page, type PageQuery } from './listing.js';
import type { MemberRole } from './member-records.js';
import { translating, UNIQUE_VIOLATION } from './pg-errors.js';
import { changedCount, isRecordId } from './statements.js';

export interface ProjectRecord {
  id: string;
  name: string;
  public: boolean;
  /** The quota in bytes; `null` means unlimited. */
  storageLimitBytes: number | null;
  createdAt: Date;
}

export interface NewProject {
  name: string;
  public: boolean;
  storageLimitBytes?: number | null;
}

/** Keys of `ProjectRecords.list`'s `sort`; the default is `name`. */
export const PROJECT_SORT_KEYS = ['name', 'createdAt', 'id'] as const;

export interface ProjectListQuery extends PageQuery {
  /**
   * Whose listing it is. `'all'`: every project (a system administrator). A user id: public
   * projects plus those the user is a member of. Absent (anonymous): public projects only.
   */
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- 'all' documents the sentinel
  visibleToUserId?: string | 'all';
}

/** What the token service needs to decide access to one project, from one query. */
export interface ProjectAccess {
  exists: boolean;
  /** Set when the project exists. */
  id?: string;
  /** `false` for a missing project. */
  public: boolean;
  /** The user's membership role; absent without a user, for a non-member or a missing project. */
  role?: MemberRole;
}

/** Port: projects, the first segment of every repository name. */
export abstract class ProjectRecords {
  /**
   * Creates a project. Throws `ConflictError` when the name is taken, and
   * `InvalidArgumentError` for a negative or non-integer storage limit. The name is stored as
   * given: validating it against the repository-name grammar is the caller's job.
   */
  abstract create(project: NewProject): Promise<ProjectRecord>;
  /** The project with exactly this name, or `undefined`. */
  abstract findByName(name: string): Promise<ProjectRecord | undefined>;
  /**
   * A page of the projects visible to `visibleToUserId` (see `ProjectListQuery`). `q` matches a
   * substring of the name, ignoring case. `sort` keys: `PROJECT_SORT_KEYS`. Invalid paging or
   * sort throws `InvalidArgumentError`; an id that cannot exist is treated as anonymous.
   */
  abstract list(query: ProjectListQuery): Promise<Page<ProjectRecord>>;
  /** Makes the project public or private. Returns `false` when it does not exist. */
  abstract setPublic(name: string, value: boolean): Promise<boolean>;
  /** Sets (or with `null` removes) the quota. Returns `false` when the project does not exist. */
  abstract setStorageLimit(name: string, storageLimitBytes: number | null): Promise<boolean>;
  /**
   * Deletes the project with its members and robots (by cascade), revoking the robots' refresh
   * tokens. Repositories are not touched: refuse to delete while `repositoryCount` is above 0.
   * Returns `false` when the project did not exist.
   */
  abstract delete(name: string): Promise<boolean>;
  /**
   * Repositories in the project: named `<project>` or starting with `<project>/`. `_` and `%` in
   * the name are literal; `library` does not count `library2/x`. 0 for a missing project.
   */
  abstract repositoryCount(name: string): Promise<number>;
  /**
   * The token service's hot path, in one query: whether the project exists, its id, whether it is
   * public, and `userId`'s role in it. A `userId` that cannot be an id is ignored.
   */
  abstract accessFor(projectName: string, userId?: string): Promise<ProjectAccess>;
}

interface ProjectRow {
  id: string;
  name: string;
  public: boolean;
  storage_limit_bytes: string | null;
  created_at: Date;
}

const COLUMNS = `id, name, public, storage_limit_bytes, created_at`;

const toRecord = (row: ProjectRow): ProjectRecord => ({
  id: row.id,
  name: row.name,
  public: row.public,
  storageLimitBytes: row.storage_limit_bytes === null ? null : Number(row.storage_limit_bytes),
  createdAt: row.created_at,
});

const SORT_COLUMNS: Record<(typeof PROJECT_SORT_KEYS)[number], string> = {
  name: 'p.name',
  createdAt: 'p.created_at',
  id: 'p.id',
};

function assertLimit(bytes: number | null | undefined): void {
  if (bytes === null || bytes === undefined) return;
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new InvalidArgumentError(`storageLimitBytes must be a non-negative integer, got ${String(bytes)}`);
  }
}

export class TypeormProjectRecords extends ProjectRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async create(project: NewProject): Promise<ProjectRecord> {
    assertLimit(project.storageLimitBytes);
    const rows: ProjectRow[] = await translating(
      () =>
        this.db.query(
          `INSERT INTO projects (name, public, storage_limit_bytes) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
          [project.name, project.public, project.storageLimitBytes ?? null],
        ),
      { [UNIQUE_VIOLATION]: () => new ConflictError(`project ${project.name} already exists`) },
    );
    return toRecord(rows[0]!);
  }

  async findByName(name: string): Promise<ProjectRecord | undefined> {
    const rows: ProjectRow[] = await this.db.query(`SELECT ${COLUMNS} FROM projects WHERE name = $1`, [name]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(query: ProjectListQuery): Promise<Page<ProjectRecord>> {
    const window = pageWindow(query);
    const viewer = query.visibleToUserId;
    // $2: 'all' sees everything; $3: a member sees their private projects too.
    const { rows, total } = await fetchPage<ProjectRow>(
      this.db,
      {
        select: `p.id, p.name, p.public, p.storage_limit_bytes, p.created_at`,
        from: `FROM projects p
               WHERE ($1::text IS NULL OR strpos(lower(p.name), lower($1)) > 0)
                 AND ($2::boolean OR p.public OR EXISTS (
                   SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = $3::bigint))`,
        order: orderBy(query.sort, SORT_COLUMNS, 'p.name', 'p.id'),
        params: [
          filterText(query.q),
          viewer === 'all',
          viewer !== undefined && viewer !== 'all' && isRecordId(viewer) ? viewer : null,
        ],
      },
      window,
    );
    return { items: rows.map(toRecord), total };
  }

  async setPublic(name: string, value: boolean): Promise<boolean> {
    const n = await changedCount(
      this.db,
      `WITH changed AS (UPDATE projects SET public = $2 WHERE name = $1 RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [name, value],
    );
    return n > 0;
  }

  async setStorageLimit(name: string, storageLimitBytes: number | null): Promise<boolean> {
    assertLimit(storageLimitBytes);
    const n = await changedCount(
      this.db,
      `WITH changed AS (UPDATE projects SET storage_limit_bytes = $2 WHERE name = $1 RETURNING 1)
       SELECT count(*)::int AS n FROM changed`,
      [name, storageLimitBytes],
    );
    return n > 0;
  }

  async delete(name: string): Promise<boolean> {
    // One statement: the robots are read in its snapshot, before the cascade removes them.
    const n = await changedCount(
      this.db,
      `WITH changed AS (DELETE FROM projects WHERE name = $1 RETURNING id),
       revoked AS (
         UPDATE refresh_tokens SET revoked_at = now()
         WHERE subject_kind = 'robot' AND revoked_at IS NULL
           AND subject_id IN (SELECT r.id FROM robots r WHERE r.project_id IN (SELECT id FROM changed)))
       SELECT count(*)::int AS n FROM changed`,
      [name],
    );
    return n > 0;
  }

  async repositoryCount(name: string): Promise<number> {
    const rows: { n: number }[] = await this.db.query(
      `SELECT count(*)::int AS n FROM repositories WHERE name = $1 OR starts_with(name, $1 || '/')`,
      [name],
    );
    return rows[0]?.n ?? 0;
  }

  async accessFor(projectName: string, userId?: string): Promise<ProjectAccess> {
    const rows: { id: string; public: boolean; role: MemberRole | null }[] = await this.db.query(
      `SELECT p.id, p.public, m.role FROM projects p
       LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = $2::bigint
       WHERE p.name = $1`,
      [projectName, userId !== undefined && isRecordId(userId) ? userId : null],
    );
    const row = rows[0];
    if (row === undefined) return { exists: false, public: false };
    return row.role === null
      ? { exists: true, id: row.id, public: row.public }
      : { exists: true, id: row.id, public: row.public, role: row.role };
  }
}
