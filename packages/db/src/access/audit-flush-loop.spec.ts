/* eslint-disable @typescript-eslint/require-await -- in-memory fakes of async ports */
import { describe, expect, it } from '@jest/globals';
import { AuditFlushLoop, type FlushableAudit } from './audit-flush-loop.js';

/** An audit whose writes fail while `down` is set, and a log that keeps its lines. */
function setUp() {
  const state = { down: false, pending: 3, ticks: 0, closes: 0 };
  const audit: FlushableAudit = {
    tick: async () => {
      state.ticks += 1;
      return state.down
        ? { written: 0, error: new Error('database away'), dropped: 0 }
        : { written: 1, dropped: 0 };
    },
    close: async () => {
      state.closes += 1;
      return state.down
        ? { written: 0, error: new Error('database away'), dropped: 2 }
        : { written: 3, dropped: 0 };
    },
    get pending() {
      return { events: state.pending };
    },
  };
  const lines: [string, Record<string, unknown>][] = [];
  const log = {
    log: (fields: Record<string, unknown>) => void lines.push(['log', fields]),
    warn: (fields: Record<string, unknown>) => void lines.push(['warn', fields]),
    error: (fields: Record<string, unknown>) => void lines.push(['error', fields]),
  };
  const loop = new AuditFlushLoop(audit, { intervalMs: 10, log, name: 'login audit', shutdownRetryMs: 1 });
  return { state, lines, loop };
}

describe('AuditFlushLoop', () => {
  it('ticks on its timer until stopped, then closes once', async () => {
    const { state, loop } = setUp();
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    await loop.stop();
    const ticks = state.ticks;
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(state.closes).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(state.ticks).toBe(ticks);
  });

  it('logs an outage once and its end once', async () => {
    const { state, lines, loop } = setUp();
    state.down = true;
    await loop.tick();
    await loop.tick();
    state.down = false;
    await loop.tick();
    await loop.tick();
    expect(lines).toEqual([
      ['warn', { message: 'login audit events not written; retrying', pending: 3, error: 'database away' }],
      ['log', { message: 'login audit events written again', written: 1 }],
    ]);
  });

  it('retries the shutdown write, then reports what is lost and what a full buffer dropped', async () => {
    const { state, lines, loop } = setUp();
    state.down = true;
    await loop.stop();
    expect(state.closes).toBe(5);
    expect(lines.filter(([level]) => level === 'error')).toEqual([
      ['error', { message: 'login audit events lost at shutdown', events: 3 }],
    ]);
    expect(lines.filter(([, fields]) => fields.dropped === 2)).toHaveLength(5);
  });
});
