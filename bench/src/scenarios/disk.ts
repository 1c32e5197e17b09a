import { createHash } from 'node:crypto';
import { open, readdir, rm } from 'node:fs/promises';
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
 *
 * The file is kept (the caller removes `workDir`'s limit files with `removeDiskLimitFiles` once
 * every round is measured), as a registry keeps what it stores. Deleting it at once would let
 * the next round write into the page cache the last one just freed; a registry's pushes always
 * take new memory for their page cache. On a VM that hands freed memory back to its host (free
 * page reporting), new memory is much slower to write: dd of 1 GiB ran at 700–870 MB/s into
 * memory just freed and at 390–460 MB/s into new memory on the bench machine, and in a perf
 * profile of Berth's api the kernel's copy into the page cache went from 4% to 43% of the samples
 * once its pushes reached new memory. Measured on recycled memory, the limit held the registries
 * to a condition they never get.
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
  return mibPerSecond(size, ms);
}

/** Removes the files `diskLimit` wrote in `workDir`. */
export async function removeDiskLimitFiles(workDir: string): Promise<void> {
  const files = (await readdir(workDir)).filter((name) => name.startsWith('disk-limit-'));
  await Promise.all(files.map((name) => rm(path.join(workDir, name), { force: true })));
}
