import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withRuntimeEnv } from '@berth/config';
import { createTestDatabase, type TestDatabase } from './test-database.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A real `apps/api` process (built `dist/main.js`), as an operator would run it. */
export interface ApiProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`, the form skopeo and podman take in `docker://` references. */
  host: string;
  port: number;
  pid: number;
  dataDir: string;
  databaseUrl: string;
  /** The token service beside it: `http://127.0.0.1:<port>` (its realm is `<tokenUrl>/service/token`). */
  tokenUrl: string;
  /** The password of user `admin` (BERTH_ADMIN_PASSWORD of the processes). */
  adminPassword: string;
  /** Everything the processes printed, for assertions and for debugging a failure. */
  output(): string;
  /** Stops the api and token processes (SIGTERM, then SIGKILL after 5 s). Leaves database and data dir. */
  stop(): Promise<void>;
  /** Kills the api process with SIGKILL, as a crash would (the token service is stopped normally). */
  kill(): Promise<void>;
  /** The worker started with `worker: true`. */
  worker?: WorkerProcess;
  /**
   * Starts a(nother) worker process on the same database, storage and queue prefix, e.g. after
   * killing one; `env` overrides variables (REDIS_URL to a closed port…). `stop()` stops it too.
   */
  startWorker(env?: Record<string, string>): Promise<WorkerProcess>;
}

/** A real `apps/worker` process (built `dist/main.js`). */
export interface WorkerProcess {
  pid: number;
  /** What the worker printed. */
  output(): string;
  /** Whether the process has exited. */
  exited(): boolean;
  /** SIGTERM (graceful: a running GC is left pending for the next worker), then SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

/** The admin password every test process gets, unless a test passes its own. */
export const TEST_ADMIN_PASSWORD = 'berth-test-admin-password';

export interface StartApiOptions {
  /** Share a database and data dir with another process (scale-out, restarts). */
  databaseUrl?: string;
  dataDir?: string;
  port?: number;
  tokenPort?: number;
  env?: Record<string, string>;
  /**
   * Also start the worker (built `apps/worker/dist/main.js`) against REDIS_URL (default
   * `redis://127.0.0.1:6379`). Default off. Every process started here shares a random
   * BERTH_QUEUE_PREFIX, so test runs sharing a Redis never see each other's jobs.
   */
  worker?: boolean;
  /**
   * Entry point to run instead of the built `apps/api/dist/main.js` (default: env
   * BERTH_E2E_API_MAIN, then the built api), e.g. a stand-in while the api is being written.
   */
  main?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startApi(options: StartApiOptions = {}): Promise<ApiProcess> {
  const port = options.port ?? (await freePort());
  const tokenPort = options.tokenPort ?? (await freePort());
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'berth-e2e-')));
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase()).url;
  const url = `http://127.0.0.1:${port}`;
  const tokenUrl = `http://127.0.0.1:${tokenPort}`;
  // The processes run with the memory settings `pnpm start` and the Docker image give them.
  const env: Record<string, string> = withRuntimeEnv({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    BERTH_HOST: '127.0.0.1',
    BERTH_PORT: String(port),
    BERTH_TOKEN_PORT: String(tokenPort),
    BERTH_PUBLIC_URL: url,
    BERTH_TOKEN_REALM: `${tokenUrl}/service/token`,
    BERTH_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    BERTH_LOG_LEVEL: 'warn',
    BERTH_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    BERTH_QUEUE_PREFIX: `berth-e2e-${randomBytes(4).toString('hex')}`,
    ...options.env,
  });
  let output = '';
  const collect = (child: ChildProcess) => {
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  };
  const token = spawn(process.execPath, [path.join(repoRoot, 'apps/token/dist/main.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  collect(token);
  try {
    await waitUntilServing(`${tokenUrl}/health`, token, () => output);
  } catch (error) {
    token.kill('SIGKILL');
    throw error;
  }
  const main =
    options.main ?? (process.env.BERTH_E2E_API_MAIN || path.join(repoRoot, 'apps/api/dist/main.js'));
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  collect(child);
  try {
    await waitUntilServing(`${url}/v2/`, child, () => output);
  } catch (error) {
    await stopChild(token, 'SIGTERM');
    throw error;
  }
  const workers: WorkerProcess[] = [];
  const startWorker = async (overrides: Record<string, string> = {}) => {
    const worker = await spawnWorker({ ...env, ...overrides });
    workers.push(worker);
    return worker;
  };
  let worker: WorkerProcess | undefined;
  if (options.worker) {
    try {
      worker = await startWorker();
    } catch (error) {
      await Promise.all([stopChild(child, 'SIGTERM'), stopChild(token, 'SIGTERM')]);
      throw error;
    }
  }
  return {
    url,
    host: `127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    dataDir,
    databaseUrl,
    tokenUrl,
    adminPassword: env.BERTH_ADMIN_PASSWORD!,
    output: () => output,
    ...(worker && { worker }),
    startWorker,
    stop: async () => {
      await Promise.all([
        stopChild(child, 'SIGTERM'),
        stopChild(token, 'SIGTERM'),
        ...workers.map((w) => w.stop()),
      ]);
    },
    kill: async () => {
      await stopChild(child, 'SIGKILL');
      await stopChild(token, 'SIGTERM');
    },
  };
}

async function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'apps/worker/dist/main.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('Berth worker started')) {
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker did not start within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    pid: child.pid ?? -1,
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: () => stopChild(child, 'SIGTERM'),
    kill: () => stopChild(child, 'SIGKILL'),
  };
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${url}: process exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${url} did not answer within 30 s:\n${output()}`);
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Removes a data dir made by `startApi` (call after `stop`). */
export async function removeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
}

export type { TestDatabase };
