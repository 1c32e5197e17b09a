import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDriverConformance } from './testsuite/driver-conformance.js';
import { FilesystemDriver } from './filesystem-driver.js';

// The root sits one level inside the temporary directory, so the suite also covers a root the
// driver had to create.
runDriverConformance('filesystem', async () => {
  const sandbox = await mkdtemp(join(tmpdir(), 'berth-storage-'));
  return {
    driver: new FilesystemDriver(join(sandbox, 'root')),
    cleanup: () => rm(sandbox, { recursive: true, force: true }),
  };
});
