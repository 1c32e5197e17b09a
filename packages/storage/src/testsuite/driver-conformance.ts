import { describe } from '@jest/globals';
import { describeContent } from './content.conformance.js';
import { type MakeDriver, useDriver } from './driver-fixture.js';
import { describeHostilePaths } from './hostile-paths.conformance.js';
import { describeLoad } from './load.conformance.js';
import { describeReader } from './reader.conformance.js';
import { describeTree } from './tree.conformance.js';
import { describeWriter } from './writer.conformance.js';

export type { DriverFixture, MakeDriver } from './driver-fixture.js';

/**
 * The `StorageDriver` conformance suite, after Distribution's `driver/testsuites`: every clause of
 * the contract in `driver.ts`, as jest tests. A driver's own spec is a few lines that call this
 * with a factory; each test gets a fresh, empty driver and disposes of it with `cleanup`.
 *
 * @example
 * runDriverConformance('inmemory', async () => ({ driver: new InMemoryDriver(), cleanup: async () => {} }));
 */
export function runDriverConformance(name: string, makeDriver: MakeDriver): void {
  describe(`${name} storage driver conformance`, () => {
    const current = useDriver(makeDriver);
    describeContent(current);
    describeReader(current);
    describeWriter(current);
    describeTree(current);
    describeHostilePaths(current);
    describeLoad(current);
  });
}
