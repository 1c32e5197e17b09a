import { type Registry } from '../registries.js';

/** What a run of `pnpm bench` measures, set by --quick or the defaults. */
export interface Settings {
  quick: boolean;
  rounds: number;
  /** Blob sizes for push/pull, bytes. */
  blobSizes: number[];
  chunkSize: number;
  /** Total layer bytes of the skopeo image (4 layers). */
  imageSize: number;
  /** Load window per measurement, seconds. */
  loadSeconds: number;
  concurrencies: number[];
  mixedConcurrency: number;
  /** Scratch space on the same disk as the registries' storage. */
  workDir: string;
}

/** The outcome of one case on one registry in one round. */
export interface CaseRun {
  /** Higher is better: MiB/s, requests/s or operations/s. */
  value: number;
  operations: number;
  errors: number;
  errorSamples?: string[];
  /** Extra detail for the log (latencies, seconds). */
  detail?: string;
  /** Bytes the run moved (blob and image transfers): the report divides CPU time by it. */
  bytes?: number;
}

export interface Case {
  /** Row label in the results table, unique. */
  label: string;
  unit: 'MiB/s' | 'req/s' | 'ops/s';
  /** Rows sharing a group share one line of the memory table. */
  memoryGroup: string;
  /** Push throughput is compared with the disk limit of this many bytes. */
  diskLimitSize?: number;
  /**
   * Once per round, before either registry's run and outside its clock, CPU and memory windows:
   * makes the round's fixtures (seeded blobs and their digests, image layouts). Work done inside
   * `run` would be charged to whichever registry goes first in the round.
   */
  prepareRound?(round: number): Promise<void>;
  run(registry: Registry, round: number): Promise<CaseRun>;
}

export interface Scenario {
  name: string;
  /** Once per registry, before any case (untimed). */
  prepare?(registry: Registry): Promise<void>;
  cases: Case[];
  /** Once, after everything (fixtures, connections). */
  dispose?(): Promise<void>;
}

export function mibPerSecond(bytes: number, ms: number): number {
  return bytes / 1024 / 1024 / (ms / 1000);
}

export function sizeLabel(bytes: number): string {
  return bytes >= 1024 * 1024 * 1024 ? `${bytes / 1024 / 1024 / 1024} GiB` : `${bytes / 1024 / 1024} MiB`;
}
