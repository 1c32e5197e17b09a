import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProject, createTestDatabase, podmanEnv, startApi, type ApiProcess } from '@berth/testing';
import { describeMachine, median } from '../report.js';
import { backendPids, childPids } from './cpu.js';
import { measureBerth, measureSkopeo, type Measurement, type ProcessGroups } from './runs.js';
import { seed, type SeedShape } from './seed.js';

/**
 * `pnpm --filter @berth/bench replication [--quick]`: replicating a seeded set of small images
 * from Berth to a fresh CNCF Distribution, with a Berth push-based execution (from
 * `POST /executions` to `succeeded`) against `skopeo sync` of the same set from Berth to
 * another fresh Distribution, in alternating order, round after round. Writes the medians into
 * docs/benchmarks.md between the replication markers.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DOC = path.join(repoRoot, 'docs/benchmarks.md');
const BEGIN = '<!-- bench:replication:begin (written by `pnpm --filter @berth/bench replication`) -->';
const END = '<!-- bench:replication:end -->';

const USAGE = `usage: pnpm --filter @berth/bench replication [--quick] [--rounds N] [--concurrency N] [--count-requests] [--no-write]
  --quick           50 images (5 repositories × 10 tags) instead of 200, 2 rounds
  --rounds N        rounds (default 3; each measures both, the order alternating)
  --concurrency N   the policy's concurrency (default: the policy default)
  --count-requests  put a counting proxy in front of each Distribution (adds a hop to both sides)
  --cpu-prof DIR    V8 CPU profiles of Berth's api, token service and worker, written to DIR when they stop
  --no-write        print the results, do not rewrite docs/benchmarks.md`;

interface Flags {
  quick: boolean;
  rounds: number;
  concurrency?: number;
  countRequests: boolean;
  cpuProfDir?: string;
  write: boolean;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { quick: false, rounds: 0, countRequests: false, write: true };
  const args = argv.filter((arg) => arg !== '--');
  const number = (i: number) => {
    const value = Number(args[i]);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${args[i - 1]} needs a positive integer\n${USAGE}`);
    return value;
  };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--quick') flags.quick = true;
    else if (arg === '--no-write') flags.write = false;
    else if (arg === '--count-requests') flags.countRequests = true;
    else if (arg === '--rounds') flags.rounds = number(++i);
    else if (arg === '--concurrency') flags.concurrency = number(++i);
    else if (arg === '--cpu-prof' && args[i + 1]) flags.cpuProfDir = path.resolve(args[++i]!);
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  flags.rounds ||= flags.quick ? 2 : 3;
  return flags;
}

/** Berth's api, token service and worker on a fresh database, with project `bench`. */
async function startBerth(
  dataDir: string,
  cpuProfDir: string | undefined,
): Promise<{ api: ApiProcess; groups: ProcessGroups; drop(): Promise<void> }> {
  const database = await createTestDatabase('berth_replbench');
  try {
    const api = await startApi({
      databaseUrl: database.url,
      dataDir,
      worker: true,
      env: {
        BERTH_STORAGE: `file://${dataDir}/storage`,
        ...(cpuProfDir && {
          BENCH_CPU_PROF_DIR: cpuProfDir,
          NODE_OPTIONS: `--import=${new URL('./cpu-prof-preload.js', import.meta.url).href}`,
        }),
      },
    });
    await createProject(api.url, { username: 'admin', password: api.adminPassword }, 'bench');
    const url = new URL(database.url);
    const adminUrl = new URL(url);
    adminUrl.pathname = '/postgres';
    const token = childPids('apps/token/dist/main.js');
    const groups = () => ({
      api: [api.pid],
      token,
      worker: api.worker ? [api.worker.pid] : [],
      postgres: backendPids(adminUrl.toString(), url.pathname.slice(1)),
    });
    return { api, groups, drop: () => database.drop() };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

/** `api 1.2, worker 3.4, …` (CPU seconds per process group). */
function cpuText(cpu: Record<string, number>): string {
  return Object.entries(cpu)
    .map(([name, value]) => `${name} ${value.toFixed(1)}`)
    .join(', ');
}

/** Median CPU seconds per group over the rounds. */
function medianCpu(measurements: readonly Measurement[]): Record<string, number> {
  const names = new Set(measurements.flatMap((m) => Object.keys(m.cpu)));
  return Object.fromEntries(
    [...names].map((name) => [name, median(measurements.map((m) => m.cpu[name] ?? 0))]),
  );
}

function requestsText(requests: Record<string, number> | undefined): string {
  if (!requests) return '';
  const total = Object.values(requests).reduce((sum, n) => sum + n, 0);
  const parts = Object.entries(requests)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([method, n]) => `${method} ${n}`);
  return `${total} (${parts.join(', ')})`;
}

/** A Markdown table with padded columns (as Prettier writes it); `right` aligns numbers. */
function markdownTable(rows: readonly string[][], right: readonly boolean[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(3, ...rows.map((row) => row[c]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => (right[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
  const rule = widths.map((width, c) => (right[c] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width)));
  return [line(rows[0]!), `| ${rule.join(' | ')} |`, ...rows.slice(1).map(line)];
}

function render(
  flags: Flags,
  shape: SeedShape,
  images: number,
  results: { berth: Measurement[]; skopeo: Measurement[] },
  machine: Record<string, string>,
  load: { before: number; after: number },
  startedAt: Date,
): string {
  const berth = median(results.berth.map((m) => m.ms));
  const skopeo = median(results.skopeo.map((m) => m.ms));
  const lines: string[] = [
    `Run of \`pnpm --filter @berth/bench replication${flags.quick ? ' --quick' : ''}\` on ${startedAt
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')}: ${images} images (${shape.repositories} repositories × ${
      shape.tagsPerRepository
    } tags, ${shape.layers} layers of ${shape.layerSize / 1024} KiB each), ${flags.rounds} round${flags.rounds > 1 ? 's' : ''}${
      flags.concurrency ? `, policy concurrency ${flags.concurrency}` : ''
    }${flags.countRequests ? ', counting proxy in front of each Distribution' : ''}.`,
    '',
    ...Object.entries(machine).map(([key, value]) => `- ${key}: ${value}`),
    `- load average (1 min) before / after: ${load.before.toFixed(2)} / ${load.after.toFixed(2)}`,
    '',
  ];
  const header = ['', 'median (s)', 'images/s', 'rounds (s)', 'CPU seconds (median)'];
  if (flags.countRequests) header.push('requests to Distribution (last round)');
  const rows = [header];
  for (const [name, values] of [
    ['Berth execution (push)', results.berth],
    ['skopeo sync', results.skopeo],
  ] as const) {
    const mid = median(values.map((m) => m.ms));
    const row = [
      name,
      seconds(mid),
      (images / (mid / 1000)).toFixed(1),
      values.map((m) => seconds(m.ms)).join(', '),
      cpuText(medianCpu(values)),
    ];
    if (flags.countRequests) row.push(requestsText(values.at(-1)?.requests));
    rows.push(row);
  }
  lines.push(...markdownTable(rows, [false, true, true, false, false, false]));
  lines.push(
    '',
    `Berth / skopeo sync: **${(skopeo / berth).toFixed(2)}×** the speed of skopeo sync (above 1: Berth is faster).`,
  );
  return lines.join('\n');
}

async function writeSection(text: string): Promise<void> {
  const current = existsSync(DOC) ? await readFile(DOC, 'utf8') : '# Benchmarks\n';
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    begin >= 0 && end > begin
      ? `${current.slice(0, begin + BEGIN.length)}\n\n${text}\n\n${current.slice(end)}`
      : `${current.trimEnd()}\n\n## Replication results\n\n${BEGIN}\n\n${text}\n\n${END}\n`;
  await writeFile(DOC, next);
  // The repository's formatter owns the tables' column widths: `pnpm test` checks them.
  spawnSync('pnpm', ['exec', 'prettier', '--write', DOC], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const shape: SeedShape = {
    repositories: flags.quick ? 5 : 20,
    tagsPerRepository: 10,
    layers: 3,
    layerSize: 16 * 1024,
  };
  const startedAt = new Date();
  const loadBefore = os.loadavg()[0]!;
  const work = await mkdtemp(path.join(os.tmpdir(), 'berth-replbench-'));
  const clients = await podmanEnv();
  let berth: Awaited<ReturnType<typeof startBerth>> | undefined;
  try {
    berth = await startBerth(work, flags.cpuProfDir);
    const admin = { username: 'admin', password: berth.api.adminPassword };
    const seedStart = performance.now();
    const images = await seed(berth.api.url, admin, shape);
    console.log(`seeded ${images.length} images in ${seconds(performance.now() - seedStart)} s`);
    const results = { berth: [] as Measurement[], skopeo: [] as Measurement[] };
    for (let round = 1; round <= flags.rounds; round += 1) {
      const order = round % 2 === 1 ? (['berth', 'skopeo'] as const) : (['skopeo', 'berth'] as const);
      for (const side of order) {
        const measured =
          side === 'berth'
            ? await measureBerth(berth.api, images, round, berth.groups, flags)
            : await measureSkopeo(
                clients,
                { host: berth.api.host, credentials: admin },
                shape,
                images,
                round,
                berth.groups,
                flags,
              );
        if (measured.verified !== images.length) {
          throw new Error(`${side}: ${measured.verified} of ${images.length} images verified`);
        }
        results[side].push(measured);
        const requests = requestsText(measured.requests);
        console.log(
          `round ${round} ${side}: ${seconds(measured.ms)} s (${measured.detail}; CPU s ${cpuText(measured.cpu)}${
            requests ? `; requests ${requests}` : ''
          })`,
        );
      }
    }
    const text = render(
      flags,
      shape,
      images.length,
      results,
      describeMachine(work),
      { before: loadBefore, after: os.loadavg()[0]! },
      startedAt,
    );
    console.log(`\n${text}`);
    if (flags.write) await writeSection(text);
  } finally {
    await berth?.api.stop();
    await berth?.drop();
    await clients.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
