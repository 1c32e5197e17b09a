import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';
import type * as IORedis from 'ioredis';

// BullMQ and ioredis are loaded on first use, not when a process imports @berth/jobs: the api
// imports this package for its contract and helpers, and talks to Redis only when a job is
// enqueued, /metrics is scraped or readiness is probed. Loaded at startup they held ~5 MiB of
// the api's 34 MiB live heap (measured after a full GC), and V8 lets the old generation grow to
// twice the live heap. Both resolve to their CommonJS builds either way (neither package has an
// `exports` map), so `require` here gives the same module instances an `import` would.
const load = createRequire(import.meta.url);

export function bullmq(): typeof BullMQ {
  return load('bullmq') as typeof BullMQ;
}

export function ioredis(): typeof IORedis {
  return load('ioredis') as typeof IORedis;
}
