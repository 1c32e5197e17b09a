import os from 'node:os';
import { encodeCursor, openDatabase, type DataSource } from '@berth/db';
import { basicHeader, createTestDatabase, startApi, type ApiProcess } from '@berth/testing';
import { BIG, MANY, seed } from './seed.js';

/**
 * `pnpm --filter @berth/bench admin-listing [--samples N]`: the admin API's listings over a
 * repository with 100,000 artifacts and a project with 10,000 repositories (see `seed.ts`),
 * through HTTP against a real api process. Each case is requested `samples` times one after
 * another (after a warm-up) with a Bearer token; p50/p95/p99 of the full HTTP round trip.
 * The target (issue #7): p95 under 50 ms. Figures go to docs/benchmarks.md by hand.
 */
const WARMUP = 20;

interface Case {
  name: string;
  path: string;
  /** What the answer must hold, so a fast wrong answer cannot pass. */
  expect: { items: number; total?: number };
}

async function main(): Promise<void> {
  const samplesArg = process.argv.indexOf('--samples');
  const samples = samplesArg === -1 ? 200 : Number(process.argv[samplesArg + 1]);
  const loadBefore = os.loadavg();
  const database = await createTestDatabase('berth_listbench');
  let api: ApiProcess | undefined;
  let db: DataSource | undefined;
  try {
    api = await startApi({ databaseUrl: database.url, env: { BERTH_LOG_LEVEL: 'error' } });
    db = await openDatabase({ url: database.url, poolSize: 2 });
    const seeded = Date.now();
    await seed(db);
    const seedSeconds = (Date.now() - seeded) / 1000;
    const cases = await casesFor(db);
    const token = await tokenFor(api);
    console.log(
      `admin listing benchmark: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; ` +
        `seeded in ${seedSeconds.toFixed(1)} s; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
    );
    console.log(`${samples} requests per case after ${WARMUP} warm-up requests, one at a time\n`);
    console.log('| case | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |');
    console.log('|---|--:|--:|--:|--:|');
    for (const c of cases) {
      const times = await measure(api.url, c, token, samples);
      const [p50, p95, p99, max] = [0.5, 0.95, 0.99, 1].map((q) => percentile(times, q).toFixed(1));
      console.log(`| ${c.name} | ${p50} | ${p95} | ${p99} | ${max} |`);
    }
    console.log(
      `\nload average after ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await db?.destroy();
    await api?.stop();
    await database.drop();
  }
}

async function casesFor(db: DataSource): Promise<Case[]> {
  const artifacts = `/api/v1/projects/${BIG.project}/repositories/big/artifacts`;
  const repositories = `/api/v1/projects/${MANY.project}/repositories`;
  const top = BIG.images + BIG.indexes;
  // The cursor the 999th page's `Link: rel="next"` carries, read from the database directly:
  // walking 999 pages first would only repeat the measurement.
  const artifactCursor = await cursorAt(
    db,
    `SELECT ${MICROS} AS k0, m.id::text AS k1 FROM manifests m JOIN repositories r ON r.id = m.repository_id
     WHERE r.name = $1 AND m.subject_digest IS NULL AND NOT EXISTS (
       SELECT 1 FROM manifest_references c
       WHERE c.repository_id = m.repository_id AND c.kind = 'manifest' AND c.digest = m.digest)
     ORDER BY m.created_at DESC, m.id DESC OFFSET $2 LIMIT 1`,
    [BIG.repository, 999 * 100 - 1],
    '-pushedAt',
  );
  const repositoryCursor = await cursorAt(
    db,
    `SELECT name AS k0 FROM repositories WHERE starts_with(name, 'many/') ORDER BY name COLLATE "C" OFFSET $1 LIMIT 1`,
    [99 * 100 - 1],
    'name',
  );
  return [
    { name: '100k artifacts, first page (20)', path: artifacts, expect: { items: 20, total: top } },
    {
      name: '100k artifacts, first page (100)',
      path: `${artifacts}?pageSize=100`,
      expect: { items: 100, total: top },
    },
    {
      name: '100k artifacts, page 1000 by cursor (100)',
      path: `${artifacts}?pageSize=100&page=1000&cursor=${artifactCursor}`,
      expect: { items: 100, total: top },
    },
    {
      name: '100k artifacts, page 1000 by number (100)',
      path: `${artifacts}?pageSize=100&page=1000`,
      expect: { items: 100 },
    },
    {
      name: '100k artifacts, q=v4242 (tag prefix)',
      path: `${artifacts}?q=v4242`,
      expect: { items: 11, total: 11 },
    },
    // Images 0x1230 to 0x123f: 16 digests share this prefix.
    {
      name: '100k artifacts, q=<digest prefix>',
      path: `${artifacts}?q=sha256:c${'0'.repeat(59)}123`,
      expect: { items: 16, total: 16 },
    },
    {
      name: '100k artifacts, sort=digest (100)',
      path: `${artifacts}?pageSize=100&sort=digest`,
      expect: { items: 100 },
    },
    {
      name: '10k repositories, first page (100)',
      path: `${repositories}?pageSize=100`,
      expect: { items: 100, total: MANY.repositories },
    },
    {
      name: '10k repositories, page 100 by cursor (100)',
      path: `${repositories}?pageSize=100&page=100&cursor=${repositoryCursor}`,
      expect: { items: 100, total: MANY.repositories },
    },
    {
      name: '10k repositories, q=repo-0424',
      path: `${repositories}?q=repo-0424`,
      expect: { items: 10, total: 10 },
    },
    {
      name: 'all repositories, first page (100)',
      path: '/api/v1/repositories?pageSize=100',
      expect: { items: 100, total: MANY.repositories + 1 },
    },
  ];
}

const MICROS = `(extract(epoch FROM m.created_at) * 1000000)::bigint::text`;

async function cursorAt(db: DataSource, sql: string, params: unknown[], sort: string): Promise<string> {
  const rows: { k0: string; k1?: string }[] = await db.query(sql, params);
  const row = rows[0];
  if (!row) throw new Error(`no row for the ${sort} cursor`);
  return encodeCursor(sort, row.k1 === undefined ? [row.k0] : [row.k0, row.k1]);
}

async function tokenFor(api: ApiProcess): Promise<string> {
  const url = new URL(`${api.tokenUrl}/service/token`);
  url.searchParams.set('service', api.host);
  const response = await fetch(url, {
    headers: { authorization: basicHeader({ username: 'admin', password: api.adminPassword }) },
  });
  if (!response.ok) throw new Error(`token: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

async function measure(base: string, c: Case, token: string, samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + samples; i++) {
    const started = performance.now();
    const response = await fetch(`${base}${c.path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as unknown[];
    const elapsed = performance.now() - started;
    if (response.status !== 200 || body.length !== c.expect.items) {
      throw new Error(`${c.name}: ${response.status}, ${JSON.stringify(body).slice(0, 300)}`);
    }
    const total = Number(response.headers.get('x-total-count'));
    if (c.expect.total !== undefined && total !== c.expect.total) {
      throw new Error(`${c.name}: X-Total-Count ${total}, expected ${c.expect.total}`);
    }
    if (i >= WARMUP) times.push(elapsed);
  }
  return times;
}

/** Nearest-rank percentile. */
function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
