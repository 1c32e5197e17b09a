import { setFlagsFromString } from 'node:v8';

/**
 * Memory settings of every Berth process (api, token service, worker). They come in two parts,
 * because V8 and glibc read some settings only when a process starts:
 *
 * - the launchers (`pnpm start`, the Docker image, `@berth/testing`) put `RUNTIME_ENV` into the
 *   environment of each process they spawn, through `withRuntimeEnv`;
 * - each `main.ts` calls `tuneHeapGrowth()` first thing, so the last part holds however the
 *   process was started.
 *
 * Every value was measured on the bench machine (2 cores, Node 20); the figures are in
 * docs/benchmarks.md, "Memory and push: before and after".
 */
export const RUNTIME_ENV = {
  /**
   * `--max-semi-space-size=8`: V8's young generation is at most 3 × 8 MiB instead of 3 × 16 MiB.
   * Startup alone grows it to the maximum, so this is 13–25 MiB less RSS per process until V8
   * shrinks an idle heap, and as much less under load. 4 MiB saved more when idle, but under 128 concurrent clients short-lived request
   * objects were then promoted to the old generation, which grew past what 8 MiB saves.
   */
  NODE_OPTIONS: '--max-semi-space-size=8',
  /**
   * glibc makes up to 8 × cores malloc arenas, one per thread that allocates (libuv's thread
   * pool, V8's GC threads); each kept 1–3 MiB. Two arenas: 6–7 MiB less per idle process, with no
   * measurable cost (the threads allocate little).
   */
  MALLOC_ARENA_MAX: '2',
  /**
   * Setting the mmap threshold turns off glibc's dynamic one. By default, once a large buffer is
   * freed glibc raises that threshold and, with it, the trim threshold (to twice as much), so
   * freed heap memory stays with the process: after a 1 GiB pull the api held 115–154 MiB. With
   * a fixed 8 MiB threshold the read buffers still come from the heap, whose top is given
   * back past the default 128 KiB trim threshold: 102–132 MiB, at the same CPU per GiB
   * (0.75–0.85 s). A 1 MiB threshold (every read buffer its own mmap) gave 122–145 MiB but
   * cost 0.6 CPU-s more per GiB pulled, in page faults.
   */
  MALLOC_MMAP_THRESHOLD_: '8388608',
} as const;

/**
 * `env` with `RUNTIME_ENV` added: a variable the operator set wins, and `NODE_OPTIONS` keeps the
 * operator's options, gaining the semi-space limit unless they chose one.
 */
export function withRuntimeEnv(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) result[name] = value;
  for (const [name, value] of Object.entries(RUNTIME_ENV)) {
    const current = result[name];
    if (current === undefined || current.trim() === '') result[name] = value;
    else if (name === 'NODE_OPTIONS' && !current.includes('--max-semi-space-size')) {
      result[name] = `${current} ${value}`;
    }
  }
  return result;
}

/**
 * How far the old generation may grow past its live size before a full collection, as V8's
 * `--heap-growing-percent`: 100 lets it double, 130 grow to 2.3×.
 *
 * V8 otherwise picks the growth factor from recent allocation rates: after a few idle seconds
 * it drops to ~1.1, leaving ~10 MiB of room above a 34 MiB live heap. Streaming a blob
 * allocates little on the JS heap but 1 GiB of short-lived buffers per GiB (one per socket
 * read); V8 counts those towards that room until its sweeper catches up, so an idle api then
 * ran a full mark-compact every 32 MiB streamed (30–35 per GiB): a 1 GiB pull cost 1.9–2.3
 * CPU-seconds instead of 0.4–0.9, a push 4.3–5.2 instead of 3.2–3.6.
 *
 * - `STREAMING_HEAP_GROWTH` (130: 2.3×, the api and the worker, which move blobs): with 2×, a
 *   push into the api, whose live heap is ~29 MiB, set off a full mark-compact every ~40 MiB
 *   received (each ~30 ms of marking on the main thread and V8's helper threads, freeing
 *   nothing): the socket's read buffers count against the heap's limit until they are swept.
 *   Side by side on a quiet machine (256 MiB monolithic pushes, 8 alternated rounds): 2× 5.87
 *   CPU-s per GiB in the api, 2.3× 4.09, 3× 4.50. The price is garbage the old generation holds
 *   under request load: peak RSS with 128 clients on manifests 165 MiB at 2×, 180 at 2.3×, 210
 *   at 3×.
 * - `DEFAULT_HEAP_GROWTH` (100): the token service, which streams nothing.
 *
 * Set at run time because Node does not accept this flag in NODE_OPTIONS; V8 reads it each time
 * it sizes the heap, so it holds from the next collection on. A value given on the command
 * line (`node --heap-growing-percent=…`) is left alone.
 */
export function tuneHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}

export const STREAMING_HEAP_GROWTH = 130;
export const DEFAULT_HEAP_GROWTH = 100;
