// Decides which registry the conformance suite talks to.
//
// - BERTH_CONFORMANCE_URL=http://host:port → that registry, as is (to explore other registries,
//   e.g. CNCF Distribution, with the same tests).
// - otherwise → a real Berth api process (`apps/api/dist/main.js`) on a fresh PostgreSQL database,
//   started before the file's tests and stopped after them.
import { afterAll, beforeAll, jest } from '@jest/globals';
import {
  createTestDatabase,
  removeDataDir,
  startApi,
  type ApiProcess,
  type TestDatabase,
} from '@berth/testing';

export interface RegistryUnderTest {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:5000`. Valid once beforeAll ran. */
  readonly url: string;
  /** True when the target is an external registry given by BERTH_CONFORMANCE_URL. */
  readonly external: boolean;
}

/** Call once at the top level of a test file: registers beforeAll/afterAll for the target. */
export function registryUnderTest(): RegistryUnderTest {
  jest.setTimeout(60_000);
  const external = process.env.BERTH_CONFORMANCE_URL?.trim();
  let url = '';
  let api: ApiProcess | undefined;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    if (external) {
      url = external.replace(/\/+$/, '');
      return;
    }
    database = await createTestDatabase('berth_conformance');
    api = await startApi({ databaseUrl: database.url });
    url = api.url;
  }, 90_000);

  afterAll(async () => {
    if (api) {
      await api.stop();
      await removeDataDir(api.dataDir);
    }
    if (database) await database.drop();
  }, 30_000);

  return {
    get url() {
      if (!url) throw new Error('registry under test is not started yet (use it inside tests or hooks)');
      return url;
    },
    external: Boolean(external),
  };
}
