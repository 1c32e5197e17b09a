import { runDriverConformance } from './testsuite/driver-conformance.js';
import { InMemoryDriver } from './memory-driver.js';

runDriverConformance('inmemory', () =>
  Promise.resolve({ driver: new InMemoryDriver(), cleanup: () => Promise.resolve() }),
);
