import type { DataSource } from 'typeorm';
import { InvalidArgumentError } from '../access/errors.js';
import {
  ACCESSORIES_JSON,
  ARTIFACT_SIZE,
  MANIFEST_COUNT,
  TAGS_JSON,
  TOP_LEVEL,
  TOP_LEVEL_COUNT,
} from './artifact-sql.js';
import {
  assertWindow,
  decodeCursor,
  keysetPage,
  fromMicros,
  likePrefix,
  micros,
  Params,
  readSnapshot,
  type KeyKind,
  type KeysetPage,
  type KeysetWindow,
} from './keyset.js';

export interface ArtifactTag {
  name: string;
  /** When the tag was last pointed at this artifact. */
  pushedAt: Date;
}

/** A manifest whose `subject` is the artifact: a signature, an SBOM, an attestation. */
export interface Accessory {
  digest: string;
  mediaType: string;
  artifactType: string | null;
  size: number;
}

export interface ArtifactRecord {
  id: string;
  digest: string;
  mediaType: string;
  /** The manifest's `artifactType`, else its config's media type; `null` for an index without one. */
  artifactType: string | null;
  /** See `ARTIFACT_SIZE`: the manifest with its blobs (and an index's children with theirs). */
  size: number;
  pushedAt: Date;
  lastPulledAt: Date | null;
  pullCount: number;
  tags: ArtifactTag[];
  accessories: Accessory[];
  /** The manifest's bytes, when it is an index (its children's platforms are written there). */
  indexPayload?: Buffer;
}

export interface ArtifactDetail extends ArtifactRecord {
  payload: Buffer;
  annotations: Record<string, string> | null;
  /** The config blob of an image manifest. */
  configDigest?: string;
}

/** Keys of `ArtifactCatalog.list`'s `sort`; the default is `-pushedAt` (newest first). `name` is the digest. */
export const ARTIFACT_SORTS = ['-pushedAt', 'pushedAt', 'digest', '-digest', 'name', '-name'] as const;
export type ArtifactSort = (typeof ARTIFACT_SORTS)[number];

export interface ArtifactListQuery extends KeysetWindow {
  /**
   * A prefix: of a tag, or of the digest (`sha256:3f…`; bare hex is read as a sha256 digest
   * prefix too). Matched byte-wise.
   */
  q?: string;
  sort?: string;
  /** Only artifacts with (true) or without (false) a tag. */
  tagged?: boolean;
  /** Also list accessories and the children of indexes at the top level. */
  all?: boolean;
}

/** What deleting one manifest may take with it (see `deletionSet` in @berth/registry). */
export interface ManifestDependents {
  /** Manifests of the repository whose subject it is. */
  accessories: string[];
  /** Its children (an index's manifests) present in the repository. */
  children: { digest: string; tagged: boolean; parents: string[] }[];
}

/** Port: the admin API's view of a repository's artifacts. */
export abstract class ArtifactCatalog {
  /**
   * A page of the repository's artifacts (top-level ones unless `all`), with the total;
   * `undefined` when the repository does not exist. Invalid paging, sort or cursor throws
   * `InvalidArgumentError`.
   */
  abstract list(
    repository: string,
    query: ArtifactListQuery,
  ): Promise<KeysetPage<ArtifactRecord> | undefined>;
  /** One manifest of the repository, whatever its kind, or `undefined`. */
  abstract get(repository: string, digest: string): Promise<ArtifactDetail | undefined>;
  abstract dependents(repository: string, digest: string): Promise<ManifestDependents>;
  /** Removes `tag` if it points at `digest`; `false` when it does not (or does not exist). */
  abstract untag(repository: string, tag: string, digest: string): Promise<boolean>;
}

interface SortKey {
  kind: KeyKind;
  column: string;
  text: string;
}

const PUSHED: SortKey[] = [
  { kind: 'micros', column: 'm.created_at', text: micros('m.created_at') },
  { kind: 'id', column: 'm.id', text: 'm.id::text' },
];
const DIGEST: SortKey[] = [{ kind: 'text', column: 'm.digest', text: 'm.digest' }];

const SORTS: Record<ArtifactSort, { keys: SortKey[]; descending: boolean }> = {
  '-pushedAt': { keys: PUSHED, descending: true },
  pushedAt: { keys: PUSHED, descending: false },
  digest: { keys: DIGEST, descending: false },
  '-digest': { keys: DIGEST, descending: true },
  name: { keys: DIGEST, descending: false },
  '-name': { keys: DIGEST, descending: true },
};

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

interface ArtifactRow {
  id: string;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  size: string;
  created_at: Date;
  last_pulled_at: Date | null;
  pull_count: string;
  tags: { name: string; pushedAt: string }[];
  accessories: Accessory[];
  index_payload: Buffer | null;
  [key: `k${number}`]: string;
}

const ARTIFACT_COLUMNS = `m.id, m.digest, m.media_type, m.artifact_type, m.created_at, m.last_pulled_at,
  m.pull_count, ${ARTIFACT_SIZE('m')} AS size, ${TAGS_JSON('m')} AS tags, ${ACCESSORIES_JSON('m')} AS accessories,
  CASE WHEN m.media_type = ANY('{${INDEX_TYPES.join(',')}}'::text[]) THEN m.payload END AS index_payload`;

function toRecord(row: ArtifactRow): ArtifactRecord {
  return {
    id: row.id,
    digest: row.digest,
    mediaType: row.media_type,
    artifactType: row.artifact_type,
    size: Number(row.size),
    pushedAt: row.created_at,
    lastPulledAt: row.last_pulled_at,
    pullCount: Number(row.pull_count),
    tags: row.tags.map((tag) => ({ name: tag.name, pushedAt: new Date(tag.pushedAt) })),
    accessories: row.accessories.map((a) => ({ ...a, size: Number(a.size) })),
    ...(row.index_payload !== null && { indexPayload: row.index_payload }),
  };
}

function sortOf(sort: string | undefined) {
  const key = (sort === undefined || sort === '' ? '-pushedAt' : sort) as ArtifactSort;
  if (!Object.hasOwn(SORTS, key)) {
    throw new InvalidArgumentError(
      `cannot sort by ${JSON.stringify(sort)}; use one of ${ARTIFACT_SORTS.join(', ')}`,
    );
  }
  return { key, ...SORTS[key] };
}

export class TypeormArtifactCatalog extends ArtifactCatalog {
  constructor(private readonly db: DataSource) {
    super();
  }

  async list(repository: string, query: ArtifactListQuery): Promise<KeysetPage<ArtifactRecord> | undefined> {
    return readSnapshot(this.db, async (q) => {
      const { limit, offset } = assertWindow(query);
      const sort = sortOf(query.sort);
      const found: { id: string }[] = await q(`SELECT id FROM repositories WHERE name = $1`, [repository]);
      const repositoryId = found[0]?.id;
      if (repositoryId === undefined) return undefined;

      const p = new Params();
      const filters = this.filters(repositoryId, query, p);
      const countParams = [...p.values];
      const countFilters = [...filters];
      if (query.cursor !== undefined) {
        const values = decodeCursor(
          query.cursor,
          sort.key,
          sort.keys.map((k) => k.kind),
        );
        const bounds = sort.keys.map((k, i) =>
          k.kind === 'micros' ? fromMicros(p.add(values[i])) : p.add(values[i]),
        );
        filters.push(
          `(${sort.keys.map((k) => k.column).join(', ')}) ${sort.descending ? '<' : '>'} (${bounds.join(', ')})`,
        );
      }
      const direction = sort.descending ? 'DESC' : 'ASC';
      const order = sort.keys.map((k) => `${k.column} ${direction}`).join(', ');
      const keys = sort.keys.map((k, i) => `${k.text} AS k${i}`).join(', ');
      const rows: ArtifactRow[] = await q(
        `WITH page AS (
           SELECT m.id FROM manifests m WHERE ${filters.join(' AND ')}
           ORDER BY ${order} LIMIT ${p.add(limit + 1)} OFFSET ${p.add(offset)})
         SELECT ${ARTIFACT_COLUMNS}, ${keys} FROM page JOIN manifests m ON m.id = page.id ORDER BY ${order}`,
        p.values,
      );
      // Unfiltered, the repository's counters answer; a filter's hits are counted.
      const unfiltered = (query.q === undefined || query.q === '') && query.tagged === undefined;
      const counted: { n: string }[] = unfiltered
        ? await q(`SELECT ${query.all === true ? MANIFEST_COUNT('$1') : TOP_LEVEL_COUNT('$1')} AS n`, [
            repositoryId,
          ])
        : await q(`SELECT count(*) AS n FROM manifests m WHERE ${countFilters.join(' AND ')}`, countParams);
      return keysetPage(rows, limit, sort, Number(counted[0]?.n ?? 0), toRecord);
    });
  }

  private filters(repositoryId: string, query: ArtifactListQuery, p: Params): string[] {
    const repo = p.add(repositoryId);
    const filters = [`m.repository_id = ${repo}`];
    if (query.all !== true) filters.push(TOP_LEVEL('m'));
    if (query.tagged !== undefined) {
      filters.push(`${query.tagged ? '' : 'NOT '}EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = m.id)`);
    }
    if (query.q !== undefined && query.q !== '') {
      // Each prefix through its own index, then the few hits are filtered and sorted.
      const hits: string[] = [];
      const digestPrefix = query.q.includes(':')
        ? query.q
        : /^[0-9a-f]+$/.test(query.q)
          ? `sha256:${query.q}`
          : undefined;
      if (!query.q.includes(':')) {
        hits.push(
          `SELECT t.manifest_id FROM tags t WHERE t.repository_id = ${repo} AND t.name LIKE ${p.add(likePrefix(query.q))}`,
        );
      }
      if (digestPrefix !== undefined) {
        hits.push(
          `SELECT d.id FROM manifests d WHERE d.repository_id = ${repo} AND d.digest LIKE ${p.add(likePrefix(digestPrefix))}`,
        );
      }
      filters.push(`m.id IN (${hits.join(' UNION ')})`);
    }
    return filters;
  }

  async get(repository: string, digest: string): Promise<ArtifactDetail | undefined> {
    return readSnapshot(this.db, async (q) => {
      const rows: (ArtifactRow & {
        payload: Buffer;
        annotations: Record<string, string> | null;
        config_digest: string | null;
      })[] = await q(
        `SELECT ${ARTIFACT_COLUMNS}, m.payload, m.annotations,
             (SELECT ref.digest FROM manifest_references ref WHERE ref.manifest_id = m.id AND ref.kind = 'config') AS config_digest
           FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.name = $1 AND m.digest = $2`,
        [repository, digest],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        ...toRecord(row),
        payload: row.payload,
        annotations: row.annotations,
        ...(row.config_digest !== null && { configDigest: row.config_digest }),
      };
    });
  }

  async dependents(repository: string, digest: string): Promise<ManifestDependents> {
    const accessories: { digest: string }[] = await this.db.query(
      `SELECT a.digest FROM manifests a JOIN repositories r ON r.id = a.repository_id
       WHERE r.name = $1 AND a.subject_digest = $2 ORDER BY a.id`,
      [repository, digest],
    );
    const children: { digest: string; tagged: boolean; parents: string[] }[] = await this.db.query(
      `SELECT c.digest, EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = c.id) AS tagged,
         ARRAY(SELECT DISTINCT pm.digest FROM manifest_references o JOIN manifests pm ON pm.id = o.manifest_id
               WHERE o.repository_id = c.repository_id AND o.digest = c.digest) AS parents
       FROM repositories r
       JOIN manifests m ON m.repository_id = r.id AND m.digest = $2
       JOIN manifest_references ref ON ref.manifest_id = m.id AND ref.kind = 'manifest'
       JOIN manifests c ON c.repository_id = r.id AND c.digest = ref.digest
       WHERE r.name = $1 ORDER BY ref.position`,
      [repository, digest],
    );
    return { accessories: accessories.map((row) => row.digest), children };
  }

  async untag(repository: string, tag: string, digest: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH gone AS (
         DELETE FROM tags t USING repositories r, manifests m
         WHERE r.name = $1 AND t.repository_id = r.id AND t.name = $2 AND m.id = t.manifest_id AND m.digest = $3
         RETURNING t.name)
       SELECT name FROM gone`,
      [repository, tag, digest],
    );
    return rows.length > 0;
  }
}
