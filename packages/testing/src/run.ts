import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RunOptions {
  /** Added to (and overriding) the parent's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (stdin is empty otherwise). */
  input?: string | Buffer;
  cwd?: string;
  /** SIGKILL after this long (default 120 s); the result then has `timedOut: true`. */
  timeoutMs?: number;
}

export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout exactly as written (for byte comparisons, e.g. `skopeo inspect --raw`). */
  stdoutBytes: Buffer;
  timedOut: boolean;
  durationMs: number;
}

/** Runs a command to completion and collects its output. Rejects only if it cannot be started. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined); // the child may exit without reading its input
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(stdout);
      resolve({
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        stdoutBytes,
        timedOut,
        durationMs: Date.now() - started,
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Like `run`, but rejects with the command line and all its output unless it exits with 0. */
export async function runOk(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) throw new Error(describeFailure(cmd, args, result));
  return result;
}

export function describeFailure(cmd: string, args: readonly string[], result: RunResult): string {
  const how = result.timedOut
    ? `timed out after ${result.durationMs} ms`
    : result.code === null
      ? `was killed by ${result.signal}`
      : `exited with ${result.code}`;
  return `${[cmd, ...args].join(' ')} ${how}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** A throw-away configuration for command-line clients, and runners that use it. */
export interface ClientEnv {
  /** Temp directory holding every config, store and cache the clients write. */
  dir: string;
  /** Environment variables that point the clients at `dir`. */
  env: Record<string, string>;
  run(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  runOk(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Removes `dir` (image stores included). */
  cleanup(): Promise<void>;
}

function clientEnv(dir: string, env: Record<string, string>): ClientEnv {
  return {
    dir,
    env,
    run: (cmd, args, options = {}) => run(cmd, args, { ...options, env: { ...env, ...options.env } }),
    runOk: (cmd, args, options = {}) => runOk(cmd, args, { ...options, env: { ...env, ...options.env } }),
    cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 3 }),
  };
}

/**
 * Isolated configuration for the containers/* tools (skopeo, podman, buildah) running as root:
 * vfs storage, cgroupfs, a file events logger, CNI networks and temp files all inside a temp
 * dir, a permissive signature policy and an empty auth file via a temp HOME, and registries.conf
 * without search registries (always use fully qualified names, or `localhost/…`: short names
 * make podman/buildah write /var/cache/containers/short-name-aliases.conf).
 *
 * What cannot be redirected: as root, containers/image keeps its blob-info cache in
 * /var/lib/containers/cache/blob-info-cache-v1.boltdb (it remembers which registry/repository
 * holds which blob, and makes later pushes try HEAD / cross-repository mounts first).
 */
export async function podmanEnv(): Promise<ClientEnv> {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-containers-'));
  const home = path.join(dir, 'home');
  const configHome = path.join(home, '.config');
  const tmp = path.join(dir, 'tmp');
  await Promise.all([
    mkdir(path.join(configHome, 'containers'), { recursive: true }),
    mkdir(path.join(dir, 'run'), { recursive: true }),
    mkdir(path.join(dir, 'networks'), { recursive: true }),
    mkdir(tmp, { recursive: true }),
  ]);
  const files: Record<string, string> = {
    'storage.conf': toml({
      storage: { driver: 'vfs', runroot: path.join(dir, 'run'), graphroot: path.join(dir, 'root') },
    }),
    'containers.conf': toml({
      engine: {
        cgroup_manager: 'cgroupfs',
        events_logger: 'file',
        events_logfile_path: path.join(dir, 'events.log'),
        tmp_dir: path.join(dir, 'run', 'libpod'),
        volume_path: path.join(dir, 'volumes'),
        image_copy_tmp_dir: tmp,
      },
      // netavark's rootful run dir is fixed at /run/containers/networks; CNI keeps to its config dir
      network: { network_backend: 'cni', network_config_dir: path.join(dir, 'networks') },
    }),
    'registries.conf': 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n',
    'auth.json': '{"auths":{}}\n',
    'home/.config/containers/policy.json': '{"default":[{"type":"insecureAcceptAnything"}]}\n',
  };
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(path.join(dir, name), text)));
  return clientEnv(dir, {
    HOME: home,
    XDG_CONFIG_HOME: configHome,
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    TMPDIR: tmp,
    CONTAINERS_STORAGE_CONF: path.join(dir, 'storage.conf'),
    CONTAINERS_CONF: path.join(dir, 'containers.conf'),
    CONTAINERS_REGISTRIES_CONF: path.join(dir, 'registries.conf'),
    REGISTRY_AUTH_FILE: path.join(dir, 'auth.json'),
  });
}

/**
 * Isolated configuration for the docker CLI (no engine needed for `docker manifest …`,
 * `docker login`): DOCKER_CONFIG in a temp dir. Plain-http registries need `--insecure` on
 * `docker manifest inspect|create|push`.
 */
export async function dockerEnv(): Promise<ClientEnv> {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-docker-'));
  await writeFile(path.join(dir, 'config.json'), '{"auths":{}}\n');
  return clientEnv(dir, {
    DOCKER_CONFIG: dir,
    DOCKER_CLI_HINTS: 'false',
    DOCKER_HOST: `unix://${path.join(dir, 'no-engine.sock')}`,
  });
}

function toml(sections: Record<string, Record<string, string>>): string {
  return Object.entries(sections)
    .map(
      ([name, values]) =>
        `[${name}]\n${Object.entries(values)
          .map(([key, value]) => `${key} = ${JSON.stringify(value)}`)
          .join('\n')}\n`,
    )
    .join('\n');
}
