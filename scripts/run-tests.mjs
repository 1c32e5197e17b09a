#!/usr/bin/env node
// Runs the jest tiers in order (unit, integration, end-to-end), or the tiers named on the
// command line. Extra arguments after `--` go to jest (for example a test path pattern).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const sep = args.indexOf('--');
const tiers = (sep === -1 ? args : args.slice(0, sep)).filter(Boolean);
const extra = sep === -1 ? [] : args.slice(sep + 1);
const selected = tiers.length > 0 ? tiers : ['unit', 'int', 'e2e'];

for (const tier of selected) {
  const jestArgs = [
    '--experimental-vm-modules',
    path.join(root, 'node_modules/jest/bin/jest.js'),
    // Path patterns first: `--selectProjects` takes every word after it as a project name.
    ...extra,
    '--selectProjects',
    tier,
    // End-to-end specs spawn servers and real clients: one file at a time keeps them honest on 2 cores.
    ...(tier === 'e2e' ? ['--runInBand'] : []),
  ];
  console.log(`\n== ${tier} tests ==`);
  const run = spawnSync(process.execPath, jestArgs, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
