import type { FileInfo, StorageDriver } from './driver.js';
import { PathNotFoundError } from './errors.js';

type Visit = Parameters<StorageDriver['walk']>[1];

/**
 * `walk` built from `list` and `stat`, after Distribution's `WalkFallback`: any driver that can
 * list and stat gets the contract's order and `'skip'` semantics for free.
 *
 * Walks run alongside pushes and deletes (garbage collection walks the whole tree), so an entry
 * that disappears between being listed and being visited is passed over, not an error.
 */
export async function walkByListing(
  driver: Pick<StorageDriver, 'list' | 'stat'>,
  path: string,
  visit: Visit,
): Promise<void> {
  // The starting directory must exist: a walk of a missing tree is a caller's mistake to report.
  const children = await driver.list(path);
  await walkChildren(driver, children, visit);
}

async function walkChildren(
  driver: Pick<StorageDriver, 'list' | 'stat'>,
  children: string[],
  visit: Visit,
): Promise<void> {
  for (const child of children) {
    const info = await vanishedAsUndefined(driver.stat(child));
    if (info === undefined) continue;
    const decision = await visit(info);
    if (!info.isDir || decision === 'skip') continue;
    const grandchildren = await vanishedAsUndefined(driver.list(child));
    if (grandchildren !== undefined) await walkChildren(driver, grandchildren, visit);
  }
}

async function vanishedAsUndefined<T extends FileInfo | string[]>(
  pending: Promise<T>,
): Promise<T | undefined> {
  try {
    return await pending;
  } catch (error) {
    if (error instanceof PathNotFoundError) return undefined;
    throw error;
  }
}
