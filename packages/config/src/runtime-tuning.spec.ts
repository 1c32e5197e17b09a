import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { RUNTIME_ENV, withRuntimeEnv } from './runtime-tuning.js';

describe('withRuntimeEnv', () => {
  it('adds the memory settings to an environment without them, keeping everything else', () => {
    const env = withRuntimeEnv({ PATH: '/usr/bin', DATABASE_URL: 'postgres://x', UNSET: undefined });
    expect(env).toEqual({ PATH: '/usr/bin', DATABASE_URL: 'postgres://x', ...RUNTIME_ENV });
    expect(env.NODE_OPTIONS).toBe('--max-semi-space-size=8');
    expect(env.MALLOC_ARENA_MAX).toBe('2');
  });

  it("keeps the operator's values, and adds the semi-space limit to other node options", () => {
    const env = withRuntimeEnv({ MALLOC_ARENA_MAX: '4', NODE_OPTIONS: '--enable-source-maps' });
    expect(env.MALLOC_ARENA_MAX).toBe('4');
    expect(env.NODE_OPTIONS).toBe('--enable-source-maps --max-semi-space-size=8');
    expect(env.MALLOC_MMAP_THRESHOLD_).toBe('8388608');
  });

  it("leaves an operator's own semi-space size alone", () => {
    const env = withRuntimeEnv({ NODE_OPTIONS: '--max-semi-space-size=32' });
    expect(env.NODE_OPTIONS).toBe('--max-semi-space-size=32');
  });

  it('gives node options that node accepts and that bound the young generation', () => {
    // NODE_OPTIONS refuses most V8 flags: a refused one would stop every process at startup.
    const churn =
      'let keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i }); if (keep.length > 50000) keep = []; }' +
      "const young = require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');" +
      'console.log(young.space_size);';
    const child = spawnSync(process.execPath, ['-e', churn], {
      env: withRuntimeEnv({ PATH: process.env.PATH }),
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    // Two semi-spaces of at most 8 MiB (the default lets this one grow to 32 MiB).
    expect(Number(child.stdout)).toBeLessThanOrEqual(16 * 1024 * 1024);
  });
});
