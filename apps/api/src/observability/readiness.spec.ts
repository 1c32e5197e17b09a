import { describe, expect, it } from '@jest/globals';
import { readinessOf, runCheck, safeReason } from './readiness.js';

const ok = { status: 'ok', latencyMs: 1 } as const;
const down = { status: 'unavailable', latencyMs: 1, error: 'x' } as const;

describe('readiness', () => {
  it('is ok when everything answers, degraded without Redis, unavailable without a required check', () => {
    expect(readinessOf({ database: ok, storage: ok, redis: ok }, ['redis']).status).toBe('ok');
    expect(readinessOf({ database: ok, storage: ok, redis: down }, ['redis']).status).toBe('degraded');
    expect(readinessOf({ database: down, storage: ok, redis: ok }, ['redis']).status).toBe('unavailable');
    expect(readinessOf({ database: ok, storage: down, redis: down }, ['redis']).status).toBe('unavailable');
  });

  it('fails a probe that does not answer in time, without waiting for it', async () => {
    const started = Date.now();
    const result = await runCheck(() => new Promise(() => undefined), 50);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result).toMatchObject({ status: 'unavailable', error: 'no answer within 50 ms' });
  });

  it('reports a failed probe with its reason and a passing one with its latency', async () => {
    expect(await runCheck(() => Promise.reject(new Error('connection refused')), 1_000)).toMatchObject({
      status: 'unavailable',
      error: 'connection refused',
    });
    const passed = await runCheck(() => Promise.resolve(), 1_000);
    expect(passed.status).toBe('ok');
    expect(passed.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('never repeats credentials found in a reason', () => {
    expect(safeReason(new Error('cannot reach redis://:hunter2@10.0.0.1:6379/0'))).toBe(
      'cannot reach redis://***@10.0.0.1:6379/0',
    );
    expect(safeReason(new Error('postgres://berth:s3cret@db/berth failed'))).not.toContain('s3cret');
  });
});
