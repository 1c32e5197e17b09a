import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { GcRecords, GcRunOutcome, GcRunRecord, GcRunRecords } from '@berth/db';
import type { collectGarbage, GcHooks, GcReport } from '@berth/registry';
import type { StorageDriver } from '@berth/storage';
import { GcRunProcessor } from './gc-run.processor.js';

const RUN = {
  id: '7',
  status: 'running',
  dryRun: false,
  deleteUntagged: true,
  graceSeconds: 0,
  attempts: 1,
} as GcRunRecord;

const REPORT: GcReport = {
  dryRun: false,
  deleteUntagged: true,
  graceSeconds: 0,
  cutoff: '2026-01-01T00:00:00.000Z',
  manifestsDeleted: 1,
  blobsDeleted: 2,
  bytesFreed: 30,
  stopped: false,
  passes: 2,
  durationMs: 5,
  markMs: 2,
  sweepMs: 3,
  manifests: [{ repository: 'a/b', digest: 'sha256:m' }],
  blobs: [
    { digest: 'sha256:x', size: 10 },
    { digest: 'sha256:y', size: 20 },
  ],
};

/** A GcRunRecords double: `claim` gives `claimed`; `heartbeat` answers `state`. */
function records(claimed: GcRunRecord | undefined, state = { running: true, stopRequested: false }) {
  const calls = {
    finish: [] as GcRunOutcome[],
    release: [] as unknown[],
    progress: [] as unknown[],
    log: [] as string[],
  };
  const runs = {
    claim: jest.fn(() => Promise.resolve(claimed)),
    heartbeat: jest.fn((_id: string, progress?: Record<string, unknown>) => {
      calls.progress.push(progress);
      return Promise.resolve(state);
    }),
    appendLog: jest.fn((_id: string, lines: readonly string[]) => {
      calls.log.push(...lines);
      return Promise.resolve();
    }),
    finish: jest.fn((_id: string, outcome: GcRunOutcome) => {
      calls.finish.push(outcome);
      return Promise.resolve(true);
    }),
    release: jest.fn((_id: string, counts: unknown) => {
      calls.release.push(counts);
      return Promise.resolve(true);
    }),
  };
  return { runs: runs as unknown as GcRunRecords, calls };
}

/** A `collectGarbage` stand-in that drives the hooks the way the real one does, then answers. */
function collector(answer: (hooks: GcHooks) => Promise<GcReport>) {
  return jest.fn((_deps: unknown, _options: unknown, hooks?: GcHooks) =>
    answer(hooks ?? {}),
  ) as unknown as typeof collectGarbage & jest.Mock;
}

function processor(runs: GcRunRecords, collect: typeof collectGarbage) {
  return new GcRunProcessor(
    runs,
    {} as GcRecords,
    {} as StorageDriver,
    { heartbeatMs: 60_000, batchSize: 10 },
    collect,
  );
}

const context = (signal = new AbortController().signal) => ({ jobId: 'gc-run-7', signal });

describe('GcRunProcessor', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('does nothing for a run that is not pending', async () => {
    const { runs, calls } = records(undefined);
    const collect = collector(() => Promise.resolve(REPORT));
    await processor(runs, collect).run({ runId: '7' }, context());
    expect(collect).not.toHaveBeenCalled();
    expect(calls.finish).toEqual([]);
  });

  it('runs with the row options and records the result and report', async () => {
    const { runs, calls } = records(RUN);
    const collect = collector(async (hooks) => {
      hooks.log?.('gc started');
      expect(await hooks.shouldStop?.()).toBe(false);
      return REPORT;
    });
    await processor(runs, collect).run({ runId: '7' }, context());
    expect(collect).toHaveBeenCalledWith(
      expect.anything(),
      { dryRun: false, deleteUntagged: true, graceSeconds: 0, batchSize: 10 },
      expect.anything(),
    );
    expect(calls.finish).toEqual([
      {
        status: 'succeeded',
        manifestsDeleted: 1,
        blobsDeleted: 2,
        bytesFreed: 30,
        report: expect.objectContaining({
          manifests: REPORT.manifests,
          blobs: REPORT.blobs,
          truncated: false,
        }),
      },
    ]);
    expect(calls.log).toEqual([expect.stringMatching(/^\d{4}-.*Z gc started$/)]);
  });

  it('ends as stopped when the row asked to stop', async () => {
    const { runs, calls } = records(RUN, { running: true, stopRequested: true });
    const collect = collector(async (hooks) => {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await hooks.shouldStop?.()).toBe(true);
      return { ...REPORT, stopped: true };
    });
    await processor(runs, collect).run({ runId: '7' }, context());
    expect(calls.finish).toEqual([expect.objectContaining({ status: 'stopped' })]);
    expect(calls.release).toEqual([]);
  });

  it('leaves the run pending for the next worker when this one shuts down', async () => {
    const { runs, calls } = records(RUN);
    const shutdown = new AbortController();
    const collect = collector(async (hooks) => {
      shutdown.abort();
      expect(await hooks.shouldStop?.()).toBe(true);
      return { ...REPORT, stopped: true };
    });
    await processor(runs, collect).run({ runId: '7' }, context(shutdown.signal));
    expect(calls.finish).toEqual([]);
    expect(calls.release).toEqual([{ manifestsDeleted: 1, blobsDeleted: 2, bytesFreed: 30 }]);
  });

  it('records a failure with the deletions its progress counted', async () => {
    const { runs, calls } = records(RUN);
    const collect = collector(async (hooks) => {
      await hooks.onProgress?.({
        phase: 'blobs',
        pass: 0,
        manifestsDeleted: 0,
        blobsDeleted: 4,
        bytesFreed: 40,
      });
      throw new Error('disk on fire');
    });
    await processor(runs, collect).run({ runId: '7' }, context());
    expect(calls.finish).toEqual([
      {
        status: 'failed',
        manifestsDeleted: 0,
        blobsDeleted: 4,
        bytesFreed: 40,
        report: null,
        error: 'disk on fire',
      },
    ]);
    expect(calls.log.at(-1)).toContain('gc failed error="disk on fire"');
  });

  it('drops its result when the run was taken from it', async () => {
    const { runs, calls } = records(RUN, { running: false, stopRequested: false });
    const collect = collector(async (hooks) => {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await hooks.shouldStop?.()).toBe(true);
      return { ...REPORT, stopped: true };
    });
    await processor(runs, collect).run({ runId: '7' }, context());
    expect(calls.finish).toEqual([]);
    expect(calls.release).toEqual([]);
  });
});
