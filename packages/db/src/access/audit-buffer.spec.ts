/* eslint-disable @typescript-eslint/require-await -- in-memory fakes of async ports */
import { describe, expect, it } from '@jest/globals';
import type { NewAuditEvent } from './audit-records.js';
import { AuditBuffer } from './audit-buffer.js';

const event = (n: number): NewAuditEvent => ({ actor: 'a', action: 'x', resource: `r${n}` });
const names = (events: readonly NewAuditEvent[]) => events.map((e) => e.resource);

describe('AuditBuffer', () => {
  it('writes everything in order, in batches', async () => {
    const batches: string[][] = [];
    const buffer = new AuditBuffer(async (events) => void batches.push(names(events)), {
      maxEvents: 100,
      batchSize: 2,
    });
    for (let i = 0; i < 5; i++) buffer.push(event(i));
    expect(await buffer.flush()).toEqual({ written: 5 });
    expect(batches).toEqual([['r0', 'r1'], ['r2', 'r3'], ['r4']]);
    expect(buffer.size).toBe(0);
  });

  it('keeps a failed batch in front and writes it on the next flush', async () => {
    const written: string[] = [];
    let fail = true;
    const buffer = new AuditBuffer(
      async (events) => {
        if (fail) throw new Error('database away');
        written.push(...names(events));
      },
      { maxEvents: 100, batchSize: 10 },
    );
    buffer.push(event(0));
    buffer.push(event(1));
    const failed = await buffer.flush();
    expect(failed.written).toBe(0);
    expect(String(failed.error)).toContain('database away');
    buffer.push(event(2));
    fail = false;
    expect(await buffer.flush()).toEqual({ written: 3 });
    expect(written).toEqual(['r0', 'r1', 'r2']);
  });

  it('drops the oldest events past maxEvents and counts them', async () => {
    const written: string[] = [];
    const buffer = new AuditBuffer(async (events) => void written.push(...names(events)), {
      maxEvents: 3,
      batchSize: 10,
    });
    for (let i = 0; i < 5; i++) buffer.push(event(i));
    expect(buffer.size).toBe(3);
    expect(buffer.takeDropped()).toBe(2);
    expect(buffer.takeDropped()).toBe(0);
    await buffer.flush();
    expect(written).toEqual(['r2', 'r3', 'r4']);
  });

  it('runs one flush at a time; a second call joins the first', async () => {
    let release!: () => void;
    let calls = 0;
    const buffer = new AuditBuffer(
      async () => {
        calls += 1;
        await new Promise<void>((resolve) => (release = resolve));
      },
      { maxEvents: 10, batchSize: 10 },
    );
    buffer.push(event(0));
    const first = buffer.flush();
    const second = buffer.flush();
    release();
    expect(await first).toEqual(await second);
    expect(calls).toBe(1);
  });
});
