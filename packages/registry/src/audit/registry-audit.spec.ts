/* eslint-disable @typescript-eslint/require-await -- in-memory fakes of async ports */
import { describe, expect, it } from '@jest/globals';
import type { NewAuditEvent } from '@berth/db';
import { RegistryAudit } from './registry-audit.js';
import { purgeAuditLog, readAuditRetention } from './purge-audit.js';

const t = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);

function setUp(windowMs = 60_000) {
  const written: NewAuditEvent[] = [];
  let now = t(0);
  const audit = new RegistryAudit(
    { appendMany: async (events) => void written.push(...events) },
    { pullWindowMs: windowMs },
    () => now,
  );
  return { audit, written, setNow: (d: Date) => (now = d) };
}

const pull = (at: Date, actor = 'alice', address = '10.0.0.1', digest = 'sha256:aa') =>
  ({
    kind: 'manifest.pulled',
    actor,
    address,
    repository: 'demo/app',
    digest,
    reference: 'latest',
    at,
  }) as const;

describe('RegistryAudit', () => {
  it('records a push with actor, address, digest, tags and media type', async () => {
    const { audit, written } = setUp();
    audit.record({
      kind: 'manifest.pushed',
      actor: 'robot$demo+ci',
      address: '10.0.0.2',
      repository: 'demo/app',
      digest: 'sha256:bb',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      tags: ['1.0'],
      at: t(1),
    });
    expect(written).toEqual([]);
    await audit.tick();
    expect(written).toEqual([
      {
        actor: 'robot$demo+ci',
        action: 'artifact.push',
        resource: 'repository:demo/app',
        address: '10.0.0.2',
        at: t(1),
        detail: {
          digest: 'sha256:bb',
          tags: ['1.0'],
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
        },
      },
    ]);
  });

  it('records deletes, names anonymous callers, and ignores blob uploads', async () => {
    const { audit, written } = setUp();
    audit.record({
      kind: 'manifest.deleted',
      actor: 'bob',
      repository: 'demo/app',
      digest: 'sha256:cc',
      at: t(1),
    });
    audit.record({ kind: 'tag.deleted', actor: '', repository: 'demo/app', tag: 'old', at: t(2) });
    audit.record({
      kind: 'blob.uploaded',
      actor: 'bob',
      repository: 'demo/app',
      digest: 'sha256:dd',
      size: 3,
      at: t(3),
    });
    await audit.tick();
    expect(written.map((e) => [e.actor, e.action, e.detail, e.address])).toEqual([
      ['bob', 'artifact.delete', { digest: 'sha256:cc' }, null],
      ['anonymous', 'tag.delete', { tag: 'old' }, null],
    ]);
  });

  it('writes 20 pulls within a window as one row with their count, when the window closes', async () => {
    const { audit, written, setNow } = setUp();
    for (let i = 0; i < 20; i++) audit.record(pull(t(i)));
    setNow(t(30));
    await audit.tick();
    expect(written).toEqual([]);
    setNow(t(60));
    await audit.tick();
    expect(written).toEqual([
      {
        actor: 'alice',
        action: 'artifact.pull',
        resource: 'repository:demo/app',
        address: '10.0.0.1',
        at: t(0),
        detail: { digest: 'sha256:aa', count: 20, firstAt: t(0).toISOString(), lastAt: t(19).toISOString() },
      },
    ]);
  });

  it('keeps pulls apart by actor, address and digest', async () => {
    const { audit, written } = setUp();
    audit.record(pull(t(0)));
    audit.record(pull(t(1), 'bob'));
    audit.record(pull(t(2), 'alice', '10.0.0.9'));
    audit.record(pull(t(3), 'alice', '10.0.0.1', 'sha256:ee'));
    audit.record(pull(t(4)));
    await audit.close();
    expect(written.map((e) => e.detail?.count)).toEqual([2, 1, 1, 1]);
  });

  it('writes open pull windows at close, and keeps events whose write failed', async () => {
    let fail = true;
    const written: NewAuditEvent[] = [];
    const audit = new RegistryAudit(
      {
        appendMany: async (events) => {
          if (fail) throw new Error('down');
          written.push(...events);
        },
      },
      { pullWindowMs: 60_000 },
      () => t(0),
    );
    audit.record(pull(t(0)));
    const first = await audit.close();
    expect(first.error).toBeDefined();
    expect(audit.pending).toEqual({ events: 1, pullWindows: 0 });
    fail = false;
    await audit.tick();
    expect(written).toHaveLength(1);
  });
});

describe('purgeAuditLog', () => {
  it('deletes in batches up to the cutoff, and prunes token state', async () => {
    const cutoffs: Date[] = [];
    let left = 12;
    const report = await purgeAuditLog(
      {
        audit: {
          deleteOlderThan: async (cutoff, limit) => {
            cutoffs.push(cutoff);
            const n = Math.min(left, limit);
            left -= n;
            return n;
          },
        },
        refreshTokens: { prune: async () => 3 },
        loginFailures: { prune: async () => 4 },
      },
      { retentionDays: 2, batchSize: 5, now: t(2 * 86_400) },
    );
    expect(report).toEqual({ auditEventsDeleted: 12, refreshTokensDeleted: 3, loginFailuresDeleted: 4 });
    expect(cutoffs).toEqual([t(0), t(0), t(0)]);
  });

  it('keeps every event with a retention of 0', async () => {
    let called = false;
    const report = await purgeAuditLog(
      {
        audit: { deleteOlderThan: async () => ((called = true), 0) },
        refreshTokens: { prune: async () => 0 },
        loginFailures: { prune: async () => 0 },
      },
      { retentionDays: 0 },
    );
    expect(called).toBe(false);
    expect(report.auditEventsDeleted).toBe(0);
  });

  it('reads the stored retention, falling back on the default', () => {
    expect(readAuditRetention({ days: 30 }, 90)).toBe(30);
    expect(readAuditRetention({ days: 0 }, 90)).toBe(0);
    expect(readAuditRetention(undefined, 90)).toBe(90);
    expect(readAuditRetention({ days: -1 }, 90)).toBe(90);
    expect(readAuditRetention({ days: '7' }, 90)).toBe(90);
  });
});
