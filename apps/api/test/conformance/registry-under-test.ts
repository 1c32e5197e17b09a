// The registry the conformance suite talks to: a real Berth api process on a fresh database,
// or the registry named by BERTH_E2E_URL (to explore others, e.g. CNCF Distribution, with the
// same tests). Call `registryUnderTest()` once at the top level of a test file.
import { afterAll, beforeAll, jest } from '@jest/globals';
import { startRegistryUnderTest, type RegistryUnderTest as Target } from '@berth/testing';

export interface RegistryUnderTest {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:5000`. Valid once beforeAll ran. */
  readonly url: string;
  /** True when the target is an external registry given by BERTH_E2E_URL. */
  readonly external: boolean;
}

export function registryUnderTest(): RegistryUnderTest {
  jest.setTimeout(60_000);
  let target: Target | undefined;
  beforeAll(async () => {
    target = await startRegistryUnderTest();
  }, 90_000);
  afterAll(async () => {
    await target?.close();
  }, 30_000);
  return {
    get url() {
      if (!target) throw new Error('registry under test is not started yet (use it inside tests or hooks)');
      return target.url;
    },
    get external() {
      return Boolean(process.env.BERTH_E2E_URL?.trim());
    },
  };
}
