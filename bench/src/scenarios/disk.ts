import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { seededChunks } from '@berth/testing';
import { mibPerSecond } from './types.js';

/**
 * Bytes per write: the cheapest for one stream measured on this machine (a writer that waits for
 * each write: 64 KiB writes cost 3–5 times the kernel CPU per GiB of 2–4 MiB writes).
 */
const CHUNK = 4 * 1024 * 1024;

/**
 * The physical limit of a push: sha256 the bytes and write them once to a file on the
 * registries' disk, one stream, then fsync — what a registry must do with every byte it
 * accepts. MiB/s. Only that work is timed: the seeded bytes are made before each chunk's clock
 * starts, since making them is the client's work (during a real push the client makes or
 * reads them on the same CPUs; the report shows how much CPU that takes). Hashing and writing
 * run one after the other, as one thread would; a registry that overlaps them can beat this.
 */
export async function diskLimit(workDir: string, size: number, round: number): Promise<number> {
  const file = path.join(workDir, `disk-limit-${size}-r${round}.bin`);
  let ms = 0;
  const handle = await open(file, 'w');
  try {
    const hash = createHash('sha256');
    for (const chunk of seededChunks(`bench-disk-${size}-r${round}`, size, CHUNK)) {
      const t0 = performance.now();
      hash.update(chunk);
      for (let offset = 0; offset < chunk.length;) {
        offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
      }
      ms += performance.now() - t0;
    }
    const t0 = performance.now();
    await handle.sync();
    hash.digest('hex');
    ms += performance.now() - t0;
  } finally {
    await handle.close();
  }
  await rm(file, { force: true });
  return mibPerSecond(size, ms);
}
