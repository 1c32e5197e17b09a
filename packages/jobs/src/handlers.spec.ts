import { describe, expect, it } from '@jest/globals';
import { JOBS, QUEUES } from './contract.js';
import { defineHandlers, handler, JobContractError, type HandlerEntry } from './handlers.js';

const noop = () => Promise.resolve();
const complete: HandlerEntry[] = [
  handler(JOBS.gcRun, noop),
  handler(JOBS.gcScheduled, noop),
  handler(JOBS.uploadsPurge, noop),
  handler(JOBS.auditPurge, noop),
];

describe('defineHandlers', () => {
  it('accepts exactly one handler per job of the queue', () => {
    const table = defineHandlers(QUEUES.maintenance, complete);
    expect(table.names()).toEqual(['audit.purge', 'gc.run', 'gc.scheduled', 'uploads.purge']);
    expect(table.get('gc.run')?.name).toBe('gc.run');
    expect(table.get('replication.run')).toBeUndefined();
  });

  it('refuses a job without a handler, naming it', () => {
    const define = () => defineHandlers(QUEUES.maintenance, complete.slice(1));
    expect(define).toThrow(JobContractError);
    expect(define).toThrow('gc.run: no handler');
  });

  it('refuses a job with two handlers, naming it', () => {
    const define = () => defineHandlers(QUEUES.maintenance, [...complete, handler(JOBS.uploadsPurge, noop)]);
    expect(define).toThrow(JobContractError);
    expect(define).toThrow('uploads.purge: two handlers');
  });

  it('refuses a handler for a job the contract does not have', () => {
    const stray = { name: 'gc.sweep', handle: noop } as unknown as HandlerEntry;
    expect(() => defineHandlers(QUEUES.maintenance, [...complete, stray])).toThrow(
      'gc.sweep: not a job name',
    );
  });

  it('names every problem at once', () => {
    expect(() =>
      defineHandlers(QUEUES.maintenance, [handler(JOBS.gcRun, noop), handler(JOBS.gcRun, noop)]),
    ).toThrow(/gc\.run: two handlers; gc\.scheduled: no handler; uploads\.purge: no handler/);
  });
});
