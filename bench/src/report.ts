import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { type Settings } from './scenarios/types.js';
import { sizeLabel } from './scenarios/types.js';

export const RESULTS_BEGIN = '<!-- bench:results:begin (written by `pnpm bench`; edit above or below) -->';
export const RESULTS_END = '<!-- bench:results:end -->';

export interface Row {
  scenario: string;
  label: string;
  unit: string;
  diskLimitSize?: number;
  /** Per registry name: one value per round. */
  values: Record<string, number[]>;
  operations: Record<string, number>;
  errors: Record<string, number>;
  errorSamples: string[];
  /**
   * Transfers only, per registry name, one entry per round: CPU seconds per GiB moved of the
   * registry's processes (`server`) and of the client.
   */
  cpuPerGiB: Record<string, { server: number; client: number }[]>;
}

export interface MemoryRow {
  group: string;
  /** `berth api`, `berth token`, `distribution` → peak bytes over every run of the group. */
  peaks: Record<string, number>;
}

export interface Report {
  settings: Settings;
  machine: Record<string, string>;
  rows: Row[];
  memory: MemoryRow[];
  /** Disk limit per size: one value per round. */
  disk: Map<number, number[]>;
  notes: string[];
  startedAt: Date;
  seconds: number;
  loadBefore: number[];
  loadAfter: number[];
}

export function median(values: number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

function tryRun(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** nproc, CPU, memory, kernel, node, the disk under `workDir`, and the client/server versions. */
export function describeMachine(workDir: string): Record<string, string> {
  const df = tryRun('df', ['-P', '-h', workDir]).split('\n')[1]?.split(/\s+/) ?? [];
  const device = df[0] ?? 'unknown';
  const mount = df[5] ?? '/';
  const fsType =
    readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => fields[1] === mount)?.[2] ?? 'unknown';
  const block = device.replace(/^\/dev\//, '').replace(/\d+$/, '');
  const rotationalFile = `/sys/block/${block}/queue/rotational`;
  const rotational = existsSync(rotationalFile) ? readFileSync(rotationalFile, 'utf8').trim() : '?';
  return {
    CPUs: `${os.availableParallelism()} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB${freePageReporting()}`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    disk: `${device} (${fsType}, ${df[1] ?? '?'} size, ${rotational === '1' ? 'reported rotational (virtual disk)' : rotational === '0' ? 'non-rotational' : 'type unknown'}), mounted at ${mount}`,
    distribution: tryRun('docker-registry', ['--version']),
    skopeo: tryRun('skopeo', ['--version']),
    postgresql: tryRun('psql', ['--version']),
  };
}

/**
 * On a VM with virtio-balloon free page reporting, memory the guest frees goes back to the host,
 * and writing into it again costs a fault in the host: page cache that grows into new memory is
 * slower to write than page cache that reuses memory just freed (see `diskLimit`).
 */
function freePageReporting(): string {
  const file = '/sys/module/page_reporting/parameters/reported_kib';
  const reportedKiB = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0;
  return reportedKiB > 0
    ? ` (freed memory is returned to the host: free page reporting, ${(reportedKiB / 1024 ** 2).toFixed(0)} GiB so far)`
    : '';
}

function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'MiB/s') return value >= 100 ? value.toFixed(0) : value.toFixed(1);
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}` : 'n/a';
}

function mibText(bytes: number | undefined): string {
  return bytes ? `${(bytes / 1024 / 1024).toFixed(0)} MiB` : 'n/a';
}

export function renderResults(report: Report): string {
  const { settings } = report;
  const lines: string[] = [];
  const open = report.rows.some((row) => (row.values['distribution-open'] ?? []).length > 0);
  const mode = settings.quick ? '`pnpm bench --quick`' : '`pnpm bench`';
  lines.push(
    `Run of ${mode} on ${report.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}: ${settings.rounds} round${
      settings.rounds > 1 ? 's' : ''
    }, ${settings.loadSeconds}-second load windows, ${report.seconds.toFixed(0)} s in all.`,
    '',
    '**Machine**',
    '',
    ...Object.entries(report.machine).map(([key, value]) => `- ${key}: ${value}`),
    `- load average (1 min) before / after: ${report.loadBefore[0]?.toFixed(2)} / ${report.loadAfter[0]?.toFixed(2)}`,
    '',
  );
  if (report.notes.length > 0) lines.push(...report.notes.map((note) => `> ${note}`), '');

  if (report.disk.size > 0) {
    lines.push(
      '**Physical limit** (sha256 the bytes and write them once, in 4 MiB writes, to a file on the same disk, then fsync; one stream; making the bytes is not timed; median MiB/s):',
      '',
      [...report.disk.entries()]
        .map(([size, values]) => `${sizeLabel(size)}: ${formatValue(median(values), 'MiB/s')} MiB/s`)
        .join(' · '),
      '',
    );
  }

  lines.push(
    'Medians over the rounds. Every value is a rate, so a Berth/Distribution ratio above 1 means Berth',
    'is faster. "vs disk" is Berth’s push throughput as a fraction of the physical limit for that size.',
    '',
    `| scenario | unit | Berth | Distribution | Berth/Distribution | Berth vs disk | Distribution vs disk |${
      open ? ' Distribution, no auth | Berth/no auth |' : ''
    }`,
    `|---|---|--:|--:|--:|--:|--:|${open ? '--:|--:|' : ''}`,
  );
  for (const row of report.rows) {
    const berth = median(row.values.berth ?? []);
    const distribution = median(row.values.distribution ?? []);
    const limit =
      row.diskLimitSize !== undefined ? median(report.disk.get(row.diskLimitSize) ?? []) : Number.NaN;
    const vsDisk = (value: number) => (Number.isFinite(limit) ? ratio(value, limit) : '');
    const openValue = median(row.values['distribution-open'] ?? []);
    lines.push(
      `| ${row.label} | ${row.unit} | ${formatValue(berth, row.unit)} | ${formatValue(distribution, row.unit)} | ${ratio(
        berth,
        distribution,
      )} | ${vsDisk(berth)} | ${vsDisk(distribution)} |${
        open ? ` ${formatValue(openValue, row.unit)} | ${ratio(berth, openValue)} |` : ''
      }`,
    );
  }
  lines.push('');

  const cpuRows = report.rows.filter((row) => Object.keys(row.cpuPerGiB).length > 0);
  if (cpuRows.length > 0) {
    const cpu = (row: Row, name: string, part: 'server' | 'client') =>
      median((row.cpuPerGiB[name] ?? []).map((entry) => entry[part]));
    const seconds = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '–');
    const share = (row: Row, name: string) => {
      const client = cpu(row, name, 'client');
      const total = client + cpu(row, name, 'server');
      return Number.isFinite(total) && total > 0 ? `${Math.round((100 * client) / total)}%` : '–';
    };
    lines.push(
      '**CPU per GiB moved** (CPU-seconds per GiB, medians: the registry’s processes, and the client —',
      'this process making, hashing and sending or receiving the bytes, or skopeo). Client and registry',
      'share the two cores, so the client’s share is CPU the registry could not use.',
      '',
      '| scenario | Berth | client of Berth | client share | Distribution | client of Distribution | client share |',
      '|---|--:|--:|--:|--:|--:|--:|',
      ...cpuRows.map(
        (row) =>
          `| ${row.label} | ${seconds(cpu(row, 'berth', 'server'))} | ${seconds(cpu(row, 'berth', 'client'))} | ${share(
            row,
            'berth',
          )} | ${seconds(cpu(row, 'distribution', 'server'))} | ${seconds(cpu(row, 'distribution', 'client'))} | ${share(
            row,
            'distribution',
          )} |`,
      ),
      '',
    );
  }

  lines.push(
    '**Peak resident memory** per scenario (the highest of VmRSS sampled every 50 ms and VmHWM,',
    'which is reset through `/proc/<pid>/clear_refs` before each run):',
    '',
    `| scenario | Berth api | Berth token | Distribution |${open ? ' Distribution, no auth |' : ''}`,
    `|---|--:|--:|--:|${open ? '--:|' : ''}`,
    ...report.memory.map(
      (row) =>
        `| ${row.group} | ${mibText(row.peaks['berth api'])} | ${mibText(row.peaks['berth token'])} | ${mibText(
          row.peaks.distribution,
        )} |${open ? ` ${mibText(row.peaks['distribution-open'])} |` : ''}`,
    ),
    '',
  );

  const totalErrors = (name: string) => report.rows.reduce((sum, row) => sum + (row.errors[name] ?? 0), 0);
  const totalOperations = (name: string) =>
    report.rows.reduce((sum, row) => sum + (row.operations[name] ?? 0), 0);
  lines.push(
    `**Error responses** (unexpected status or failed request, all scenarios): Berth ${totalErrors(
      'berth',
    )} of ${totalOperations('berth')} operations, Distribution ${totalErrors('distribution')} of ${totalOperations(
      'distribution',
    )}${
      open
        ? `, Distribution without auth ${totalErrors('distribution-open')} of ${totalOperations('distribution-open')}`
        : ''
    }.`,
  );
  const failing = report.rows.filter((row) => row.errorSamples.length > 0);
  if (failing.length > 0) {
    lines.push('', ...failing.map((row) => `- ${row.label}: ${row.errorSamples.slice(0, 3).join('; ')}`));
  }
  return lines.join('\n');
}

const TEMPLATE = `# Benchmarks

Hand-written introduction: replace me.

## Results

${RESULTS_BEGIN}
${RESULTS_END}
`;

/** Rewrites the part of `docFile` between the result markers (creating the file if needed). */
export async function writeResults(docFile: string, results: string): Promise<void> {
  const current = existsSync(docFile) ? await readFile(docFile, 'utf8') : TEMPLATE;
  const begin = current.indexOf(RESULTS_BEGIN);
  const end = current.indexOf(RESULTS_END);
  const base =
    begin >= 0 && end > begin
      ? current
      : `${current.trimEnd()}\n\n## Results\n\n${RESULTS_BEGIN}\n${RESULTS_END}\n`;
  const from = base.indexOf(RESULTS_BEGIN) + RESULTS_BEGIN.length;
  const to = base.indexOf(RESULTS_END);
  await writeFile(docFile, `${base.slice(0, from)}\n\n${results}\n\n${base.slice(to)}`);
}
