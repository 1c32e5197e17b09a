import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  basicHeader,
  createProject,
  createTestDatabase,
  fetchToken,
  parseChallenge,
  startApi,
  startDistribution as startTestDistribution,
  type ApiProcess,
  type Credentials,
  type TestDatabase,
} from '@berth/testing';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The project (Berth) / namespace (Distribution) every benchmark repository lives in. */
export const PROJECT = 'bench';

export interface BenchProcess {
  /** `api`, `token` or `distribution` */
  role: string;
  pid: number;
}

/** A registry under benchmark, as a client with push rights on `bench/*` sees it. */
export interface Registry {
  /** `distribution-open`: the same Distribution without authentication, as a reference (--open-distribution). */
  name: 'berth' | 'distribution' | 'distribution-open';
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>` for `docker://` references */
  host: string;
  credentials: Credentials;
  /** The processes whose memory is reported. */
  processes: BenchProcess[];
  /**
   * The Authorization header for pull+push on the given repositories. Berth: a registry token,
   * fetched once and reused until it is 2 minutes old (as clients reuse tokens); Distribution:
   * Basic, sent on every request (that is how htpasswd auth works).
   */
  authorization(repositories: string[]): Promise<string>;
  /** A note for the report (e.g. which user pushes). */
  note: string;
  stop(): Promise<void>;
}

const TOKEN_REUSE_MS = 120_000;

/** Pids of live children of `parent` whose command line contains `needle`. */
function childPids(parent: number, needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) found.push(Number(entry));
    } catch {
      // the process is gone
    }
  }
  return found;
}

export interface StartOptions {
  /** Run Berth's api under the CPU profiler, the profile written to this directory on exit. */
  cpuProfDir?: string;
  /** More environment for the api and token service (probes comparing settings side by side). */
  env?: Record<string, string>;
}

/** Berth's api and token service on a fresh database, filesystem storage, token auth. */
export async function startBerth(options: StartOptions = {}): Promise<Registry> {
  const database: TestDatabase = await createTestDatabase('berth_bench');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'berth-bench-'));
  let api: ApiProcess | undefined;
  try {
    api = await startApi({
      databaseUrl: database.url,
      dataDir,
      env: {
        BERTH_STORAGE: `file://${dataDir}/storage`,
        ...options.env,
        ...(options.cpuProfDir && {
          BENCH_CPU_PROF_DIR: options.cpuProfDir,
          BENCH_CPU_PROF_TARGET: path.join(repoRoot, 'apps/api/dist/main.js'),
        }),
      },
      ...(options.cpuProfDir && { main: fileURLToPath(new URL('./cpu-prof-main.js', import.meta.url)) }),
    });
    const started = api;
    const admin: Credentials = { username: 'admin', password: started.adminPassword };
    await createProject(started.url, admin, PROJECT);
    const { credentials, note } = await pushUser(started.url, admin);
    const tokenPid = childPids(process.pid, 'apps/token/dist/main.js')[0];
    const probe = await fetch(`${started.url}/v2/`);
    await probe.arrayBuffer();
    const challenge = parseChallenge(probe.headers.get('www-authenticate'));
    if (challenge?.scheme !== 'bearer')
      throw new Error(`berth /v2/ answered ${probe.status} without a challenge`);
    const tokens = new Map<string, { header: string; at: number }>();
    return {
      name: 'berth',
      url: started.url,
      host: started.host,
      credentials,
      processes: [{ role: 'api', pid: started.pid }, ...(tokenPid ? [{ role: 'token', pid: tokenPid }] : [])],
      note,
      async authorization(repositories) {
        const scope = repositories.map((name) => `repository:${name}:pull,push`).join(' ');
        const cached = tokens.get(scope);
        if (cached && Date.now() - cached.at < TOKEN_REUSE_MS) return cached.header;
        const token = await fetchToken({ ...challenge, params: { ...challenge.params, scope } }, credentials);
        const header = `Bearer ${token}`;
        tokens.set(scope, { header, at: Date.now() });
        return header;
      },
      async stop() {
        await started.stop();
        await database.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await api?.stop();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A user with push rights on the project (role `developer`), through the admin API. When this
 * build of the api has no user or member endpoints yet, the benchmark pushes as `admin`.
 */
async function pushUser(
  url: string,
  admin: Credentials,
): Promise<{ credentials: Credentials; note: string }> {
  const user: Credentials = { username: 'bencher', password: 'bench-password-0123456789' };
  const post = (route: string, body: unknown) =>
    fetch(`${url}${route}`, {
      method: 'POST',
      headers: { authorization: basicHeader(admin), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const created = await post('/api/v1/users', { ...user, email: 'bencher@example.test' });
  await created.arrayBuffer();
  if (created.status === 201 || created.status === 409) {
    const member = await post(`/api/v1/projects/${PROJECT}/members`, {
      username: user.username,
      role: 'developer',
    });
    await member.arrayBuffer();
    if (member.status === 201 || member.status === 409) {
      return { credentials: user, note: `user \`${user.username}\`, developer of project \`${PROJECT}\`` };
    }
  }
  return {
    credentials: admin,
    note: `user \`admin\` (this api build has no user/member endpoints: POST /api/v1/users answered ${created.status})`,
  };
}

/**
 * CNCF Distribution (Debian's `docker-registry`) on loopback, filesystem storage, htpasswd
 * (bcrypt) authentication; with `auth: false`, no authentication at all (a reference that
 * shows what htpasswd's per-request bcrypt costs).
 */
export async function startDistribution(options: { auth: boolean } = { auth: true }): Promise<Registry> {
  const credentials: Credentials = { username: 'bencher', password: 'bench-password-0123456789' };
  const peer = await startTestDistribution({ auth: options.auth, credentials });
  const { url } = peer;
  const stop = () => peer.stop();
  const port = new URL(url).port;
  const child = { pid: peer.pid };
  const header = options.auth ? basicHeader(credentials) : '';
  return {
    name: options.auth ? 'distribution' : 'distribution-open',
    url,
    host: `127.0.0.1:${port}`,
    credentials,
    processes: [{ role: options.auth ? 'distribution' : 'distribution-open', pid: child.pid }],
    note: options.auth
      ? `htpasswd user \`${credentials.username}\` (bcrypt, cost 5), Basic on every request`
      : 'anonymous (no authentication configured)',
    authorization: () => Promise.resolve(header),
    stop,
  };
}
