import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApi, type ApiProcess, type StartApiOptions } from './api-process.js';
import { createTestDatabase } from './test-database.js';
import {
  authenticatedFetch,
  basicHeader,
  type AuthenticatedFetch,
  type Credentials,
} from './registry-auth.js';

/**
 * The registry an end-to-end test talks to: a fresh Berth api process, or, when
 * BERTH_E2E_URL is set (e.g. `http://127.0.0.1:5066`), an already running registry such as
 * CNCF Distribution, to check the tests themselves against a reference implementation.
 */
export interface RegistryUnderTest {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`, for `docker://` references. */
  host: string;
  /** True when BERTH_E2E_URL points at a registry this test did not start. */
  external: boolean;
  /** The Berth process (undefined for an external registry). */
  api?: ApiProcess;
  /** Pid to watch (the api's, or BERTH_E2E_PID for an external registry), if known. */
  pid?: number;
  /** Credentials of a system administrator (`admin`), or BERTH_E2E_CREDS `user:pass` for an external registry. */
  credentials?: Credentials;
  /** A fetch that answers the registry's auth challenges with `credentials`. */
  fetch: AuthenticatedFetch;
  /**
   * Creates a project through the admin API (nothing for an external registry). Berth only
   * accepts pushes to repositories `<project>/<path>` of an existing project.
   */
  createProject(name: string, options?: { public?: boolean }): Promise<void>;
  /** Stops the api and drops its database and data dir (nothing for an external registry). */
  close(): Promise<void>;
}

export function externalCredentials(): Credentials | undefined {
  const raw = process.env.BERTH_E2E_CREDS?.trim();
  const colon = raw?.indexOf(':') ?? -1;
  return raw && colon > 0 ? { username: raw.slice(0, colon), password: raw.slice(colon + 1) } : undefined;
}

/** `POST /api/v1/projects` as `admin`; an existing project is fine. */
export async function createProject(
  apiUrl: string,
  credentials: Credentials,
  name: string,
  options: { public?: boolean } = {},
): Promise<void> {
  const response = await fetch(`${apiUrl}/api/v1/projects`, {
    method: 'POST',
    headers: { authorization: basicHeader(credentials), 'content-type': 'application/json' },
    body: JSON.stringify({ name, public: options.public ?? false }),
  });
  if (response.status !== 201 && response.status !== 409) {
    throw new Error(`creating project ${name}: ${response.status} ${await response.text()}`);
  }
}

export function externalRegistryUrl(): string | undefined {
  const url = process.env.BERTH_E2E_URL?.trim();
  return url ? url.replace(/\/+$/, '') : undefined;
}

export async function startRegistryUnderTest(options: StartApiOptions = {}): Promise<RegistryUnderTest> {
  const external = externalRegistryUrl();
  if (external) {
    const pid = Number(process.env.BERTH_E2E_PID);
    const credentials = externalCredentials();
    return {
      url: external,
      host: new URL(external).host,
      external: true,
      pid: Number.isInteger(pid) && pid > 0 ? pid : undefined,
      ...(credentials && { credentials }),
      fetch: authenticatedFetch(credentials),
      createProject: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }
  const state = await createSharedState();
  try {
    const api = await state.start(options);
    const credentials = { username: 'admin', password: api.adminPassword };
    return {
      url: api.url,
      host: api.host,
      external: false,
      api,
      pid: api.pid,
      credentials,
      fetch: authenticatedFetch(credentials),
      createProject: (name, options) => createProject(api.url, credentials, name, options),
      close: () => state.close(),
    };
  } catch (error) {
    await state.close();
    throw error;
  }
}

/**
 * One database and one data dir for several api processes: scale-out (two processes at once)
 * and restarts (a new process after `stop()` or `kill()` of the old one).
 */
export interface SharedState {
  databaseUrl: string;
  dataDir: string;
  /** Starts another api process on this state. */
  start(options?: Omit<StartApiOptions, 'databaseUrl' | 'dataDir'>): Promise<ApiProcess>;
  /** Stops every process started here, then drops the database and removes the data dir. */
  close(): Promise<void>;
}

export async function createSharedState(): Promise<SharedState> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'berth-e2e-'));
  const started: ApiProcess[] = [];
  return {
    databaseUrl: database.url,
    dataDir,
    async start(options = {}) {
      const api = await startApi({ ...options, databaseUrl: database.url, dataDir });
      started.push(api);
      return api;
    },
    async close() {
      await Promise.all(started.map((api) => api.stop()));
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
