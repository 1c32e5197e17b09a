// The registry the conformance suite talks to: a real Berth api process (with its token service)
// on a fresh database, or the registry named by BERTH_E2E_URL (to explore others, e.g. CNCF
// Distribution, with the same tests; BERTH_E2E_CREDS `user:pass` if it wants credentials). Call
// `registryUnderTest({ projects })` once at the top level of a test file.
import { afterAll, beforeAll, jest } from '@jest/globals';
import {
  startRegistryUnderTest,
  type AuthenticatedFetch,
  type Credentials,
  type RegistryUnderTest as Target,
} from '@berth/testing';

export interface RegistryUnderTest {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:5000`. Valid once beforeAll ran. */
  readonly url: string;
  /** True when the target is an external registry given by BERTH_E2E_URL. */
  readonly external: boolean;
  /** Credentials of a system administrator (undefined for an external registry without BERTH_E2E_CREDS). */
  readonly credentials: Credentials | undefined;
  /**
   * A fetch that answers the registry's auth challenges with `credentials`, like a registry
   * client; `fetch.authorize(url)` gives the headers for a request whose body cannot be replayed.
   */
  readonly fetch: AuthenticatedFetch;
  /** Creates a project (Berth accepts pushes only to `<project>/<path>` of an existing project). */
  createProject(name: string, options?: { public?: boolean }): Promise<void>;
}

export interface RegistryUnderTestOptions {
  /** Projects the test file pushes to, created before its own beforeAll hooks run. */
  projects?: string[];
}

export function registryUnderTest(options: RegistryUnderTestOptions = {}): RegistryUnderTest {
  jest.setTimeout(60_000);
  let target: Target | undefined;
  const started = (): Target => {
    if (!target) throw new Error('registry under test is not started yet (use it inside tests or hooks)');
    return target;
  };
  beforeAll(async () => {
    target = await startRegistryUnderTest();
    for (const project of options.projects ?? []) await target.createProject(project);
  }, 90_000);
  afterAll(async () => {
    await target?.close();
  }, 30_000);
  return {
    get url() {
      return started().url;
    },
    get external() {
      return Boolean(process.env.BERTH_E2E_URL?.trim());
    },
    get credentials() {
      return started().credentials;
    },
    get fetch() {
      return started().fetch;
    },
    createProject: (name, projectOptions) => started().createProject(name, projectOptions),
  };
}
