#!/usr/bin/env node
// `pnpm start`: runs Berth on one machine. Without DATABASE_URL it starts the embedded
// PostgreSQL under the data directory, then the token service, the api and the worker, each
// with DATABASE_URL set, and stops everything together. Expects the apps to be built. Without
// Redis the worker waits for it (and says so); the api and token service serve regardless.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, withRuntimeEnv } from '../packages/config/dist/index.js';
import { startEmbeddedPostgres } from '../packages/db/dist/index.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

async function main() {
  const config = loadConfig();
  // V8 and glibc memory settings read at process start (semi-space size, malloc arenas and
  // mmap threshold); the reasons and measurements are in packages/config/src/runtime-tuning.ts.
  // A variable set in this shell wins.
  const env = withRuntimeEnv(process.env);
  let embedded;
  if (config.databaseUrl === undefined) {
    embedded = await startEmbeddedPostgres(config.dataDir);
    env.DATABASE_URL = embedded.url;
    console.log(`embedded PostgreSQL running under ${path.join(config.dataDir, 'postgres')}`);
  }
  const children = [];
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve))),
      ),
    );
    await embedded?.stop().catch(() => undefined);
    process.exit(code);
  };
  const run = (app) => {
    const child = spawn(process.execPath, [path.join(root, 'apps', app, 'dist/main.js')], {
      env,
      stdio: 'inherit',
    });
    child.once('exit', (code) => {
      if (!stopping) {
        console.error(`berth ${app} exited (${code ?? 'signal'}); stopping`);
        void stop(1);
      }
    });
    children.push(child);
  };
  run('token');
  run('api');
  run('worker');
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  const passwordFile = path.join(config.dataDir, 'admin-password');
  setTimeout(() => {
    if (config.adminPassword !== undefined)
      console.log('admin password: the value of BERTH_ADMIN_PASSWORD (user admin)');
    else if (existsSync(passwordFile)) console.log(`admin password: in ${passwordFile} (user admin)`);
  }, 3000).unref();
}

main().catch((error) => {
  console.error('berth failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
