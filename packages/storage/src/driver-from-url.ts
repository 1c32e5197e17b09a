import { fileURLToPath } from 'node:url';
import type { StorageDriver } from './driver.js';
import { FilesystemDriver } from './filesystem-driver.js';
import { InMemoryDriver } from './memory-driver.js';

/**
 * Builds the driver a storage URL names; config calls it once at boot, so every mistake here
 * is a startup failure with a message that says what to write instead.
 *
 * - `file:///absolute/path`: `FilesystemDriver` rooted there (created if missing).
 * - `memory://`: a fresh `InMemoryDriver` (tests, throwaway instances).
 */
export function createStorageDriver(url: string): StorageDriver {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`invalid storage URL ${JSON.stringify(url)}: expected file:///path or memory://`);
  }
  switch (parsed.protocol) {
    case 'file:':
      return new FilesystemDriver(filesystemRoot(url, parsed));
    case 'memory:':
      if (parsed.host !== '' || (parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '') {
        throw new Error(
          `invalid storage URL ${JSON.stringify(url)}: memory storage takes no location, use memory://`,
        );
      }
      return new InMemoryDriver();
    case 's3:':
      throw new Error('s3 storage is not available yet');
    default:
      throw new Error(
        `unsupported storage URL scheme ${JSON.stringify(parsed.protocol)}: expected file:///path or memory://`,
      );
  }
}

function filesystemRoot(url: string, parsed: URL): string {
  // `new URL('file:data')` quietly becomes `file:///data`: insist on the explicit form so a
  // relative-looking URL never lands at the filesystem root.
  if (!/^file:\/\/\//i.test(url) || parsed.search !== '' || parsed.hash !== '') {
    throw new Error(`invalid storage URL ${JSON.stringify(url)}: expected file:///absolute/path`);
  }
  return fileURLToPath(parsed);
}
