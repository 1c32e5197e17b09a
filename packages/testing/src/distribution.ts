import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './api-process.js';
import type { Credentials } from './registry-auth.js';
import { runOk } from './run.js';

/**
 * A CNCF Distribution (`docker-registry` 2.8) on loopback, filesystem storage, with htpasswd
 * (bcrypt) Basic auth, or none with `auth: false` (a reference for what bcrypt costs per request).
 */
export interface DistributionRegistry {
  url: string;
  pid: number;
  credentials: Credentials;
  stop(): Promise<void>;
}

export interface DistributionOptions {
  /** Default true. */
  auth?: boolean;
  credentials?: Credentials;
}

export async function startDistribution(options: DistributionOptions = {}): Promise<DistributionRegistry> {
  const auth = options.auth ?? true;
  const dir = await mkdtemp(path.join(tmpdir(), 'distribution-'));
  const port = await freePort();
  const credentials: Credentials = options.credentials ?? {
    username: 'replicator',
    password: 'distribution-secret-4711',
  };
  // htpasswd comes from apache2-utils; Distribution accepts bcrypt entries only.
  const htpasswd = await runOk('htpasswd', ['-Bbn', credentials.username, credentials.password]);
  await writeFile(path.join(dir, 'htpasswd'), `${htpasswd.stdout.trim()}\n`);
  await mkdir(path.join(dir, 'storage'));
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${dir}/storage`,
    '  delete:',
    '    enabled: true',
    '  cache:',
    '    blobdescriptor: inmemory',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: local-test-only',
    ...(auth ? ['auth:', '  htpasswd:', '    realm: distribution', `    path: ${dir}/htpasswd`] : []),
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'config.yml'), config);
  // Distribution reads every REGISTRY_* variable as a configuration override: drop them all.
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('REGISTRY_')) env[key] = value;
  }
  const child: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (log.length < 1 << 20) log += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry exited with ${child.exitCode}:\n${log}`);
    }
    const status = await fetch(`${url}/v2/`).then(
      async (response) => (await response.arrayBuffer(), response.status),
      () => 0,
    );
    if (status === (auth ? 401 : 200)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer /v2/ within 20 s (last ${status}):\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, pid: child.pid!, credentials, stop };
}
