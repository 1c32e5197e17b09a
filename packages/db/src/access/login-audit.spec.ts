/* eslint-disable @typescript-eslint/require-await -- in-memory fakes of async ports */
import { describe, expect, it } from '@jest/globals';
import type { NewAuditEvent } from './audit-records.js';
import { LoginAudit, type SuccessfulLogin } from './login-audit.js';

const t = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);

function setUp(windowMs = 60_000) {
  const written: NewAuditEvent[] = [];
  let now = t(0);
  const audit = new LoginAudit(
    { appendMany: async (events) => void written.push(...events) },
    { windowMs },
    () => now,
  );
  return { audit, written, setNow: (d: Date) => (now = d) };
}

const alice: SuccessfulLogin = { actor: 'alice', address: '10.0.0.1', resource: 'token', kind: 'password' };

describe('LoginAudit', () => {
  it('writes 10 logins within a window as one success row with their count, when the window closes', async () => {
    const { audit, written, setNow } = setUp();
    for (let i = 0; i < 10; i++) {
      setNow(t(i));
      audit.record(alice);
    }
    setNow(t(59));
    await audit.tick();
    expect(written).toEqual([]);
    setNow(t(60));
    await audit.tick();
    expect(written).toEqual([
      {
        actor: 'alice',
        action: 'login',
        resource: 'token',
        outcome: 'success',
        address: '10.0.0.1',
        at: t(0),
        detail: { kind: 'password', count: 10, firstAt: t(0).toISOString(), lastAt: t(9).toISOString() },
      },
    ]);
    expect(audit.pending).toEqual({ events: 0, windows: 0 });
  });

  it('keeps logins apart by actor, address, resource and kind', async () => {
    const { audit, written } = setUp();
    audit.record(alice);
    audit.record({ ...alice, actor: 'robot$demo+ci' });
    audit.record({ ...alice, address: '10.0.0.9' });
    audit.record({ ...alice, kind: 'refresh' });
    audit.record({ actor: 'alice', address: '10.0.0.1', resource: 'api', kind: 'basic' });
    audit.record(alice);
    await audit.close();
    expect(written.map((e) => [e.actor, e.address, e.resource, e.detail?.kind, e.detail?.count])).toEqual([
      ['alice', '10.0.0.1', 'token', 'password', 2],
      ['robot$demo+ci', '10.0.0.1', 'token', 'password', 1],
      ['alice', '10.0.0.9', 'token', 'password', 1],
      ['alice', '10.0.0.1', 'token', 'refresh', 1],
      ['alice', '10.0.0.1', 'api', 'basic', 1],
    ]);
  });

  it('starts a new row after the window, and writes open windows at close', async () => {
    const { audit, written, setNow } = setUp(10_000);
    audit.record(alice);
    setNow(t(10));
    audit.record(alice);
    await audit.tick();
    expect(written.map((e) => [e.at, e.detail?.count])).toEqual([[t(0), 1]]);
    await audit.close();
    expect(written.map((e) => [e.at, e.detail?.count])).toEqual([
      [t(0), 1],
      [t(10), 1],
    ]);
  });

  it('keeps events whose write failed for the next pass', async () => {
    let fail = true;
    const written: NewAuditEvent[] = [];
    const audit = new LoginAudit(
      {
        appendMany: async (events) => {
          if (fail) throw new Error('down');
          written.push(...events);
        },
      },
      { windowMs: 60_000 },
      () => t(0),
    );
    audit.record(alice);
    const first = await audit.close();
    expect(String(first.error)).toContain('down');
    expect(audit.pending).toEqual({ events: 1, windows: 0 });
    fail = false;
    expect(await audit.tick()).toEqual({ written: 1, dropped: 0 });
    expect(written).toHaveLength(1);
  });
});
