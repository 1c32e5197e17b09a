import type { DataSource } from 'typeorm';
import { InvalidArgumentError } from '../access/errors.js';
import { isRecordId } from '../access/statements.js';
import { TAG_COUNT, TOP_LEVEL_COUNT } from './artifact-sql.js';
import {
  assertWindow,
  decodeCursor,
  keysetPage,
  fromMicros,
  micros,
  Params,
  readSnapshot,
  type KeyKind,
  type KeysetPage,
  type KeysetWindow,
} from './keyset.js';

export interface RepositorySummary {
  id: string;
  /** The full name, `<project>/<path>`. */
  name: string;
  project: string;
  /** Top-level artifacts: neither an accessory (a manifest with a subject) nor an index's child. */
  artifactCount: number;
  tagCount: number;
  pullCount: number;
  /** The newest push of a manifest that is not an accessory; `null` when there is none. */
  lastPushAt: Date | null;
  createdAt: Date;
}

export interface RepositoryDetail extends RepositorySummary {
  /** The manifests' bytes plus each config and layer blob they reference, each blob once. */
  sizeBytes: number;
}

/** Keys of `RepositoryCatalog.list`'s `sort` (a `-` prefix descends); the default is `name`. */
export const REPOSITORY_SORTS = ['name', '-name', 'createdAt', '-createdAt'] as const;
export type RepositorySort = (typeof REPOSITORY_SORTS)[number];

/**
 * Whose repositories: every project (a system administrator), one project, or what a viewer may
 * pull: public projects, the projects `userId` is a member of, and `projects` (a robot's).
 */
export type RepositoryScope =
  { all: true } | { project: string } | { viewer: { userId?: string; projects?: readonly string[] } };

export interface RepositoryListQuery extends KeysetWindow {
  scope: RepositoryScope;
  /** A case-insensitive substring of the full name. */
  q?: string;
  sort?: string;
}

/**
 * Port: the admin API's view of repositories. Only repositories holding at least one manifest
 * are listed or found (as in `/v2/_catalog`); a repository row that only ever received blobs is
 * not a repository to its users.
 */
export abstract class RepositoryCatalog {
  /**
   * A page in `sort` order, with the total. Invalid paging, sort or cursor throws
   * `InvalidArgumentError`.
   */
  abstract list(query: RepositoryListQuery): Promise<KeysetPage<RepositorySummary>>;
  /** The repository with its size, or `undefined` when it does not exist or holds no manifest. */
  abstract get(name: string): Promise<RepositoryDetail | undefined>;
  /**
   * Deletes the repository with its manifests, tags, blob links and uploads (blob bytes stay for
   * garbage collection). Returns the digests of the manifests deleted, or `undefined` when there
   * was no such repository.
   */
  abstract delete(name: string): Promise<string[] | undefined>;
}

interface SortKey {
  kind: KeyKind;
  /** The column as compared and ordered (in the scan of `repositories r`). */
  column: string;
  /** The cursor's text for it. */
  text: string;
  /** Its name in the page's rows, for the outer ordering. */
  alias: string;
}

const NAME: SortKey = {
  kind: 'text',
  column: `r.name COLLATE "C"`,
  text: 'r.name',
  alias: `name COLLATE "C"`,
};
const CREATED: SortKey[] = [
  { kind: 'micros', column: 'r.created_at', text: micros('r.created_at'), alias: 'created_at' },
  { kind: 'id', column: 'r.id', text: 'r.id::text', alias: 'id' },
];

const SORTS: Record<RepositorySort, { keys: SortKey[]; descending: boolean }> = {
  name: { keys: [NAME], descending: false },
  '-name': { keys: [NAME], descending: true },
  createdAt: { keys: CREATED, descending: false },
  '-createdAt': { keys: CREATED, descending: true },
};

function sortOf(sort: string | undefined): { key: RepositorySort; keys: SortKey[]; descending: boolean } {
  const key = (sort === undefined || sort === '' ? 'name' : sort) as RepositorySort;
  if (!Object.hasOwn(SORTS, key)) {
    throw new InvalidArgumentError(
      `cannot sort by ${JSON.stringify(sort)}; use one of ${REPOSITORY_SORTS.join(', ')}`,
    );
  }
  return { key, ...SORTS[key] };
}

interface SummaryRow {
  id: string;
  name: string;
  created_at: Date;
  pull_count: string;
  artifact_count: string;
  tag_count: string;
  last_push_at: Date | null;
  [key: `k${number}`]: string;
}

/** Per repository `x` of a page: counters, and a few index probes. */
const STATS = `
  ${TOP_LEVEL_COUNT('x.id')} AS artifact_count,
  ${TAG_COUNT('x.id')} AS tag_count,
  (SELECT max(m.created_at) FROM manifests m
   WHERE m.repository_id = x.id AND m.subject_digest IS NULL) AS last_push_at`;

const toSummary = (row: SummaryRow): RepositorySummary => ({
  id: row.id,
  name: row.name,
  project: row.name.slice(0, row.name.indexOf('/')),
  artifactCount: Number(row.artifact_count),
  tagCount: Number(row.tag_count),
  pullCount: Number(row.pull_count),
  lastPushAt: row.last_push_at,
  createdAt: row.created_at,
});

export class TypeormRepositoryCatalog extends RepositoryCatalog {
  constructor(private readonly db: DataSource) {
    super();
  }

  async list(query: RepositoryListQuery): Promise<KeysetPage<RepositorySummary>> {
    return readSnapshot(this.db, async (q) => {
      const { limit, offset } = assertWindow(query);
      const sort = sortOf(query.sort);
      const direction = sort.descending ? 'DESC' : 'ASC';
      const order = (use: 'column' | 'alias') => sort.keys.map((k) => `${k[use]} ${direction}`).join(', ');

      const p = new Params();
      const scan = this.scan(query, p);
      if (query.cursor !== undefined) {
        const values = decodeCursor(
          query.cursor,
          sort.key,
          sort.keys.map((k) => k.kind),
        );
        const bounds = sort.keys.map((k, i) =>
          k.kind === 'micros' ? fromMicros(p.add(values[i])) : p.add(values[i]),
        );
        const columns = sort.keys.map((k) => k.column);
        scan.filters.push(`(${columns.join(', ')}) ${sort.descending ? '<' : '>'} (${bounds.join(', ')})`);
      }
      const keys = sort.keys.map((k, i) => `${k.text} AS k${i}`).join(', ');
      // Each project's range is scanned in index order and cut at what the page can need.
      const rows: SummaryRow[] = await q(
        `WITH x AS (${scan.select(`r.id, r.name, r.created_at, r.pull_count, ${keys}`, `ORDER BY ${order('column')} LIMIT ${p.add(offset + limit + 1)}`)}),
         page AS (SELECT * FROM x ORDER BY ${order('alias')} LIMIT ${p.add(limit + 1)} OFFSET ${p.add(offset)})
         SELECT x.*, ${STATS} FROM page x ORDER BY ${order('alias')}`,
        p.values,
      );

      const c = new Params();
      const count = this.scan(query, c);
      const counted: { n: string }[] = await q(
        `SELECT count(*) AS n FROM (${count.select('1', '')}) x`,
        c.values,
      );

      return keysetPage(rows, limit, sort, Number(counted[0]?.n ?? 0), toSummary);
    });
  }

  /**
   * The repositories of the scope that hold a manifest and match `q`, as a SELECT: a plain scan
   * for everything, else per visible project a scan of its name range (`LATERAL`), since a
   * project's repositories are exactly the names in [`<project>/`, `<project>0`).
   */
  private scan(query: RepositoryListQuery, p: Params) {
    const filters = [`EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = r.id)`];
    let projects: string | undefined;
    const { scope } = query;
    if ('project' in scope) {
      projects = `(SELECT ${p.add(scope.project)}::text AS name) v`;
    } else if ('viewer' in scope) {
      const { userId, projects: named = [] } = scope.viewer;
      projects = `(SELECT pr.name FROM projects pr
                   WHERE pr.public OR pr.name = ANY(${p.add([...named])}::text[])
                      OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = pr.id
                                 AND pm.user_id = ${p.add(userId !== undefined && isRecordId(userId) ? userId : null)}::bigint)) v`;
    }
    if (projects !== undefined) {
      filters.push(`r.name COLLATE "C" >= v.name || '/' AND r.name COLLATE "C" < v.name || '0'`);
    }
    if (query.q !== undefined && query.q !== '') {
      filters.push(`strpos(lower(r.name), lower(${p.add(query.q)})) > 0`);
    }
    return {
      filters,
      select: (columns: string, tail: string) => {
        const inner = `SELECT ${columns} FROM repositories r WHERE ${filters.join(' AND ')} ${tail}`;
        return projects === undefined ? inner : `SELECT y.* FROM ${projects} CROSS JOIN LATERAL (${inner}) y`;
      },
    };
  }

  async get(name: string): Promise<RepositoryDetail | undefined> {
    return readSnapshot(this.db, async (q) => {
      const rows: (SummaryRow & { size_bytes: string })[] = await q(
        `SELECT x.*, ${STATS},
           (SELECT coalesce(sum(m.size), 0) FROM manifests m WHERE m.repository_id = x.id)
           + (SELECT coalesce(sum(b.size), 0) FROM blobs b WHERE b.digest IN (
               SELECT ref.digest FROM manifests m JOIN manifest_references ref ON ref.manifest_id = m.id
               WHERE m.repository_id = x.id AND ref.kind <> 'manifest')) AS size_bytes
         FROM (SELECT r.id, r.name, r.created_at, r.pull_count FROM repositories r
               WHERE r.name = $1 AND EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = r.id)) x`,
        [name],
      );
      const row = rows[0];
      return row && { ...toSummary(row), sizeBytes: Number(row.size_bytes) };
    });
  }

  async delete(name: string): Promise<string[] | undefined> {
    return this.db.transaction(async (tx) => {
      const repository: { id: string }[] = await tx.query(`SELECT id FROM repositories WHERE name = $1`, [
        name,
      ]);
      const id = repository[0]?.id;
      if (id === undefined) return undefined;
      // Manifests first, locked in id order as every deletion of several does, and before the
      // repository row: a push holds its share locks, then takes the repository's key share.
      // Its blob links first of all and the repository row before the deletion (whose triggers
      // take the project's quota usage row, which a push takes after the key share): the order
      // of a push, so the two cannot wait on each other in a cycle (docs/quotas.md).
      await tx.query(`SELECT 1 FROM repository_blobs WHERE repository_id = $1 ORDER BY digest FOR UPDATE`, [
        id,
      ]);
      await tx.query(`SELECT 1 FROM manifests WHERE repository_id = $1 ORDER BY id FOR UPDATE`, [id]);
      await tx.query(`SELECT 1 FROM repositories WHERE id = $1 FOR UPDATE`, [id]);
      const gone: { digest: string }[] = await tx.query(
        `WITH gone AS (DELETE FROM manifests WHERE repository_id = $1 RETURNING digest) SELECT digest FROM gone`,
        [id],
      );
      const deleted: unknown[] = await tx.query(
        `WITH gone AS (DELETE FROM repositories WHERE id = $1 RETURNING id) SELECT id FROM gone`,
        [id],
      );
      return deleted.length > 0 ? gone.map((row) => row.digest) : undefined;
    });
  }
}
