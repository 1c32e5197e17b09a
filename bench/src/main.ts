import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergePeaks, watchMemory } from './memory.js';
import { MiB } from './oci.js';
import { startBerth, startDistribution, type Registry } from './registries.js';
import { startCpuWatch } from './transfer-cpu.js';
import {
  describeMachine,
  median,
  renderResults,
  writeResults,
  type MemoryRow,
  type Report,
  type Row,
} from './report.js';
import { blobScenario } from './scenarios/blobs.js';
import { diskLimit, removeDiskLimitFiles } from './scenarios/disk.js';
import { mixedScenario } from './scenarios/mixed.js';
import { requestScenario } from './scenarios/requests.js';
import { skopeoScenario } from './scenarios/skopeo.js';
import { sizeLabel, type Scenario, type Settings } from './scenarios/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * Writes every dirty page to disk before a measurement starts. Distribution does not fsync what
 * it stores, so without this the kernel wrote back its last push during whatever ran next, and
 * with the order flipping each round that landed on both registries unevenly (skopeo pulls of
 * 500 MiB: the registry measured second in a round was faster in each of three rounds, by up to
 * 25%). Berth fsyncs inside its own measurement, as a push that returns must be on disk.
 */
function settleDisk(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

const SCENARIOS = ['disk', 'blobs', 'skopeo', 'requests', 'mixed'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

const USAGE = `usage: pnpm bench [--quick] [--rounds N] [--only ${SCENARIOS.join('|')}[,…]] [--open-distribution] [--no-write] [--cpu-prof DIR]
  --quick      small sizes (1 and 32 MiB blobs, a 64 MiB image), 3-second load windows, 1 round
  --rounds N   rounds per measurement (default 3, or 1 with --quick)
  --only S     only these scenarios (comma-separated); blobs also measures the disk limit
  --open-distribution
               also measure Distribution without authentication (a reference for htpasswd's cost)
  --no-write   print the results, do not rewrite docs/benchmarks.md
  --cpu-prof D profile Berth's api (V8 CPU profile, written to D when it stops)`;

interface Flags {
  quick: boolean;
  rounds?: number;
  only?: Set<ScenarioName>;
  write: boolean;
  openDistribution: boolean;
  cpuProfDir?: string;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { quick: false, write: true, openDistribution: false };
  const args = argv.filter((arg) => arg !== '--');
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === '--quick') flags.quick = true;
    else if (arg === '--no-write') flags.write = false;
    else if (arg === '--open-distribution') flags.openDistribution = true;
    else if (arg === '--rounds') {
      const rounds = Number(value());
      if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20)
        throw new Error(`--rounds: 1 to 20\n${USAGE}`);
      flags.rounds = rounds;
    } else if (arg === '--only') {
      const names = value().split(',');
      for (const name of names) {
        if (!(SCENARIOS as readonly string[]).includes(name))
          throw new Error(`unknown scenario ${name}\n${USAGE}`);
      }
      flags.only = new Set(names as ScenarioName[]);
    } else if (arg === '--cpu-prof') flags.cpuProfDir = path.resolve(value());
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return flags;
}

/** Builds the api and the token service unless their dist/ is there (`pnpm bench` builds first anyway). */
function ensureBerthBuilt(): void {
  const built = ['apps/api/dist/main.js', 'apps/token/dist/main.js'].every((file) =>
    existsSync(path.join(repoRoot, file)),
  );
  if (built) return;
  console.log('building the api and the token service…');
  const result = spawnSync(
    'npx',
    [
      'turbo',
      'run',
      'build',
      '--filter=@berth/api...',
      '--filter=@berth/token...',
      '--output-logs=errors-only',
    ],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('building Berth failed');
}

/** Rejects after `ms` (the operation itself is abandoned, not cancelled: the run ends soon after). */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  ensureBerthBuilt();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-work-'));
  const settings: Settings = flags.quick
    ? {
        quick: true,
        rounds: flags.rounds ?? 1,
        blobSizes: [1 * MiB, 32 * MiB],
        chunkSize: 5 * MiB,
        imageSize: 64 * MiB,
        loadSeconds: 3,
        concurrencies: [1, 32, 128],
        mixedConcurrency: 32,
        workDir,
      }
    : {
        quick: false,
        rounds: flags.rounds ?? 3,
        blobSizes: [1 * MiB, 100 * MiB, 1024 * MiB],
        chunkSize: 5 * MiB,
        imageSize: 500 * MiB,
        loadSeconds: 10,
        concurrencies: [1, 32, 128],
        mixedConcurrency: 32,
        workDir,
      };
  // Every loop is bounded: one measurement may take this long, the whole run this long.
  const runTimeoutMs = (flags.quick ? 2 : 10) * 60_000;
  const deadlineMs = (flags.quick ? 5 : 60) * 60_000 * (settings.rounds / (flags.quick ? 1 : 3));
  const selected = (name: ScenarioName) => !flags.only || flags.only.has(name);
  const startedAt = new Date();
  const t0 = performance.now();
  const loadBefore = os.loadavg();
  const machine = describeMachine(workDir);
  const notes: string[] = [];
  if (loadBefore[0]! > 0.5) {
    notes.push(
      `The machine was not idle (load average ${loadBefore.map((n) => n.toFixed(2)).join(', ')} at the start): ` +
        'other work shared its CPUs and disk, so absolute numbers are noisy; the ratios, measured alternately, are the useful part.',
    );
  }
  if (flags.cpuProfDir) await mkdir(flags.cpuProfDir, { recursive: true });

  const registries: Registry[] = [];
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: stopping after the current measurement');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const scenarios: Scenario[] = [];
  const report: Report = {
    settings,
    machine,
    rows: [],
    memory: [],
    disk: new Map(),
    notes,
    startedAt,
    seconds: 0,
    loadBefore,
    loadAfter: loadBefore,
  };
  try {
    log('starting Berth (api + token service) and CNCF Distribution');
    registries.push(
      await startBerth(flags.cpuProfDir ? { cpuProfDir: flags.cpuProfDir } : {}),
      await startDistribution(),
    );
    if (flags.openDistribution) registries.push(await startDistribution({ auth: false }));
    for (const registry of registries) log(`${registry.name}: ${registry.url}, pushing as ${registry.note}`);
    notes.push(`Berth pushes as ${registries[0]!.note}; Distribution as ${registries[1]!.note}.`);
    if (flags.openDistribution) {
      notes.push(
        'The "Distribution, no auth" column is the same Distribution without authentication: a reference, not a comparable setting.',
      );
    }

    if (selected('disk') || selected('blobs')) {
      for (const size of settings.blobSizes) {
        const values: number[] = [];
        for (let round = 1; round <= settings.rounds; round++)
          values.push(await diskLimit(workDir, size, round));
        report.disk.set(size, values);
        log(`disk limit ${sizeLabel(size)}: ${median(values).toFixed(1)} MiB/s`);
      }
      await removeDiskLimitFiles(workDir);
    }
    if (selected('blobs')) scenarios.push(blobScenario(settings));
    if (selected('skopeo')) scenarios.push(skopeoScenario(settings));
    if (selected('requests')) scenarios.push(requestScenario(settings));
    if (selected('mixed')) scenarios.push(mixedScenario(settings));

    const memory = new Map<string, MemoryRow>();
    for (const scenario of scenarios) {
      if (interrupted) break;
      for (const registry of registries) await scenario.prepare?.(registry);
      for (const item of scenario.cases) {
        if (interrupted) break;
        if (performance.now() - t0 > deadlineMs) {
          notes.push(
            `The run hit its time limit (${deadlineMs / 60_000} min) and skipped the remaining measurements.`,
          );
          interrupted = true;
          break;
        }
        const row: Row = {
          scenario: scenario.name,
          label: item.label,
          unit: item.unit,
          ...(item.diskLimitSize !== undefined && { diskLimitSize: item.diskLimitSize }),
          values: {},
          operations: {},
          errors: {},
          errorSamples: [],
          cpuPerGiB: {},
        };
        report.rows.push(row);
        let group = memory.get(item.memoryGroup);
        if (!group) {
          group = { group: item.memoryGroup, peaks: {} };
          memory.set(item.memoryGroup, group);
          report.memory.push(group);
        }
        for (let round = 1; round <= settings.rounds && !interrupted; round++) {
          // Alternate who goes first, so neither registry always gets the warmer page cache.
          const order = round % 2 === 1 ? registries : [...registries].reverse();
          await item.prepareRound?.(round);
          for (const registry of order) {
            settleDisk();
            const watch = watchMemory(registry.processes);
            const cpu = startCpuWatch(registry);
            let value = Number.NaN;
            let detail = '';
            try {
              const result = await withTimeout(item.run(registry, round), runTimeoutMs, item.label);
              value = result.value;
              detail = result.detail ?? '';
              if (result.bytes) (row.cpuPerGiB[registry.name] ??= []).push(cpu.perGiB(result.bytes));
              row.operations[registry.name] = (row.operations[registry.name] ?? 0) + result.operations;
              row.errors[registry.name] = (row.errors[registry.name] ?? 0) + result.errors;
              row.errorSamples.push(...(result.errorSamples ?? []).map((e) => `${registry.name}: ${e}`));
            } catch (error) {
              row.operations[registry.name] = (row.operations[registry.name] ?? 0) + 1;
              row.errors[registry.name] = (row.errors[registry.name] ?? 0) + 1;
              const message = error instanceof Error ? error.message : String(error);
              row.errorSamples.push(`${registry.name}: ${message.slice(0, 300)}`);
              detail = `FAILED: ${message.slice(0, 300)}`;
            }
            const peaks = watch.stop();
            const named: Record<string, number> = {};
            for (const [role, bytes] of Object.entries(peaks)) {
              named[registry.name === 'berth' ? `berth ${role}` : role] = bytes;
            }
            mergePeaks(group.peaks, named);
            (row.values[registry.name] ??= []).push(value);
            const errors = row.errors[registry.name] ?? 0;
            log(
              `${item.label} [${registry.name}, round ${round}]: ${value.toFixed(1)} ${item.unit}` +
                `${detail ? ` (${detail})` : ''}${errors ? `, ${errors} errors so far` : ''}`,
            );
          }
        }
      }
    }
  } finally {
    for (const scenario of scenarios) await scenario.dispose?.().catch(() => undefined);
    await Promise.all(registries.map((registry) => registry.stop().catch(() => undefined)));
    await rm(workDir, { recursive: true, force: true });
  }
  report.seconds = (performance.now() - t0) / 1000;
  report.loadAfter = os.loadavg();
  if (interrupted) notes.push('This run was interrupted: some measurements are missing.');
  const results = renderResults(report);
  console.log(`\n${results}\n`);
  if (flags.write) {
    const doc = path.join(repoRoot, 'docs/benchmarks.md');
    await writeResults(doc, results);
    // The repository's formatter owns the tables' column widths: `pnpm test` checks them.
    spawnSync('pnpm', ['exec', 'prettier', '--write', doc], { cwd: repoRoot, stdio: 'ignore' });
    log(`results written to ${path.relative(process.cwd(), doc)}`);
  }
  const errors = report.rows.reduce(
    (sum, row) => sum + Object.values(row.errors).reduce((a, b) => a + b, 0),
    0,
  );
  if (errors > 0) {
    log(`${errors} error responses during the run`);
    process.exitCode = 1;
  }
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  })
  // An abandoned (timed-out) request must not keep the process alive.
  .finally(() => process.exit());
