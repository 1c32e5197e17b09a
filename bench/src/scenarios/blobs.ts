import { LoadClient } from '../load.js';
import { pullBlob, pushChunked, pushMonolithic, seededBlob, type SeededBlob } from '../oci.js';
import { PROJECT, type Registry } from '../registries.js';
import { mibPerSecond, sizeLabel, type Case, type Scenario, type Settings } from './types.js';

const REPOSITORY = `${PROJECT}/blobs`;
const SMALL = 1024 * 1024;
/** Blobs below 8 MiB take milliseconds: a measurement pushes (and pulls) 16 of them, one after the other. */
const repeat = (size: number) => (size < 8 * SMALL ? 16 : 1);

/**
 * Blob push (monolithic: POST + one streamed PUT; chunked: PATCHes of `chunkSize`) and pull of
 * every size. Each round pushes fresh bytes (a new seed), the same bytes to both registries;
 * the pull of a round reads what that round pushed. Small blobs are pushed 16 at a time.
 */
export function blobScenario(settings: Settings): Scenario {
  const blobs = new Map<string, SeededBlob>();
  const blobFor = (size: number, mode: string, round: number, rep: number): SeededBlob => {
    const seed = `bench-blob-${size}-${mode}-r${round}-${rep}`;
    let blob = blobs.get(seed);
    if (!blob) {
      blob = seededBlob(seed, size);
      blobs.set(seed, blob);
    }
    return blob;
  };
  /** The blobs a measurement of this size and mode pushes (then pulls) in `round`; their digests are computed once. */
  const roundBlobs = (size: number, mode: string, round: number): SeededBlob[] =>
    Array.from({ length: repeat(size) }, (_, rep) => blobFor(size, mode, round, rep));
  const client = new LoadClient('http://127.0.0.1', 1);
  const result = (bytes: number, operations: number, ms: number) => ({
    value: mibPerSecond(bytes, ms),
    operations,
    bytes,
    errors: 0,
    detail: `${operations} × ${sizeLabel(bytes / operations)} in ${ms.toFixed(0)} ms`,
  });
  const cases: Case[] = [];
  for (const size of settings.blobSizes) {
    for (const mode of ['monolithic', 'chunked'] as const) {
      const label = `blob ${sizeLabel(size)} ${mode}`;
      const memoryGroup = `blob push/pull ${sizeLabel(size)}`;
      cases.push({
        label: `push ${label}`,
        unit: 'MiB/s',
        memoryGroup,
        diskLimitSize: size,
        prepareRound(round: number) {
          roundBlobs(size, mode, round);
          return Promise.resolve();
        },
        async run(registry: Registry, round: number) {
          const blobs = roundBlobs(size, mode, round);
          await registry.authorization([REPOSITORY]);
          const t0 = performance.now();
          for (const blob of blobs) {
            if (mode === 'monolithic') await pushMonolithic(client, registry, REPOSITORY, blob);
            else await pushChunked(client, registry, REPOSITORY, blob, settings.chunkSize);
          }
          const ms = performance.now() - t0;
          return result(size * blobs.length, blobs.length, ms);
        },
      });
    }
  }
  for (const size of settings.blobSizes) {
    for (const mode of ['monolithic', 'chunked'] as const) {
      cases.push({
        label: `pull blob ${sizeLabel(size)} (pushed ${mode})`,
        unit: 'MiB/s',
        memoryGroup: `blob push/pull ${sizeLabel(size)}`,
        async run(registry: Registry, round: number) {
          const blobs = roundBlobs(size, mode, round);
          await registry.authorization([REPOSITORY]);
          const t0 = performance.now();
          for (const blob of blobs) await pullBlob(registry, REPOSITORY, blob);
          const ms = performance.now() - t0;
          return result(size * blobs.length, blobs.length, ms);
        },
      });
    }
  }
  return {
    name: 'blobs',
    /** Warms up connections and code paths (untimed), so the first measured push is not a cold one. */
    async prepare(registry) {
      const blob = seededBlob(`bench-blob-warmup-${registry.name}`, SMALL);
      await pushMonolithic(client, registry, REPOSITORY, blob);
      await pushChunked(client, registry, REPOSITORY, blob, settings.chunkSize);
      await pullBlob(registry, REPOSITORY, blob);
    },
    cases,
    dispose: () => Promise.resolve(client.close()),
  };
}
