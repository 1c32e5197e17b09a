import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { seededChunks } from '@berth/testing';
import { MiB } from '../oci.js';
import { mibPerSecond } from './types.js';

/**
 * The physical limit of a push: generate the seeded bytes, hash them with sha256 and write them
 * once to a file on the registries' disk, then fsync. MiB/s. A registry receiving the same bytes
 * over loopback cannot be faster than this (the client generates them on the same CPU too).
 */
export async function diskLimit(workDir: string, size: number, round: number): Promise<number> {
  const file = path.join(workDir, `disk-limit-${size}-r${round}.bin`);
  const t0 = performance.now();
  const handle = await open(file, 'w');
  try {
    const hash = createHash('sha256');
    for (const chunk of seededChunks(`bench-disk-${size}-r${round}`, size, MiB)) {
      hash.update(chunk);
      await handle.write(chunk);
    }
    await handle.sync();
    hash.digest('hex');
  } finally {
    await handle.close();
  }
  const ms = performance.now() - t0;
  await rm(file, { force: true });
  return mibPerSecond(size, ms);
}
