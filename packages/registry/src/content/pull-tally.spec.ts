import { describe, expect, it } from '@jest/globals';
import { PullRecords, type ManifestPulls, type PullsDeferred, type RepositoryPulls } from '@berth/db';
import { PullTally } from './pull-tally.js';

/** Records what it is given; can fail or defer on demand. */
class FakePullRecords extends PullRecords {
  calls: { manifests: ManifestPulls[]; repositories: RepositoryPulls[] }[] = [];
  fail = false;
  defer = false;

  add(manifests: readonly ManifestPulls[], repositories: readonly RepositoryPulls[]): Promise<PullsDeferred> {
    if (this.fail) return Promise.reject(new Error('database down'));
    this.calls.push({ manifests: [...manifests], repositories: [...repositories] });
    return Promise.resolve(
      this.defer
        ? { manifests: [...manifests], repositories: [...repositories] }
        : { manifests: [], repositories: [] },
    );
  }
}

const t = (seconds: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, seconds));

describe('PullTally', () => {
  it('aggregates pulls per manifest and per repository into one write', async () => {
    const records = new FakePullRecords();
    const tally = new PullTally(records);
    tally.record('p/a', 'sha256:1', t(2));
    tally.record('p/a', 'sha256:1', t(1));
    tally.record('p/a', 'sha256:2', t(3));
    tally.record('p/b', 'sha256:1', t(4));
    expect(tally.pending).toBe(4);
    await tally.flush();
    expect(records.calls).toEqual([
      {
        manifests: [
          { repository: 'p/a', digest: 'sha256:1', count: 2, lastPulledAt: t(2) },
          { repository: 'p/a', digest: 'sha256:2', count: 1, lastPulledAt: t(3) },
          { repository: 'p/b', digest: 'sha256:1', count: 1, lastPulledAt: t(4) },
        ],
        repositories: [
          { repository: 'p/a', count: 3 },
          { repository: 'p/b', count: 1 },
        ],
      },
    ]);
    expect(tally.pending).toBe(0);
    await tally.flush();
    expect(records.calls).toHaveLength(1);
  });

  it('keeps the counts of a failed flush for the next one', async () => {
    const records = new FakePullRecords();
    const errors: unknown[] = [];
    const tally = new PullTally(records, { onError: (error) => errors.push(error) });
    tally.record('p/a', 'sha256:1', t(1));
    records.fail = true;
    await tally.flush();
    expect(errors).toHaveLength(1);
    tally.record('p/a', 'sha256:1', t(5));
    records.fail = false;
    await tally.flush();
    expect(records.calls[0]!.manifests).toEqual([
      { repository: 'p/a', digest: 'sha256:1', count: 2, lastPulledAt: t(5) },
    ]);
    expect(records.calls[0]!.repositories).toEqual([{ repository: 'p/a', count: 2 }]);
  });

  it('retries deferred rows a bounded number of times', async () => {
    const records = new FakePullRecords();
    const tally = new PullTally(records, { maxDeferrals: 2 });
    tally.record('p/a', 'sha256:1', t(1));
    records.defer = true;
    await tally.flush();
    await tally.flush();
    await tally.flush();
    await tally.flush();
    expect(records.calls).toHaveLength(3);
    expect(tally.pending).toBe(0);
  });

  it('starts a flush early when many manifests are pending', async () => {
    const records = new FakePullRecords();
    const tally = new PullTally(records, { flushAt: 2 });
    tally.record('p/a', 'sha256:0', t(0));
    expect(records.calls).toHaveLength(0);
    tally.record('p/a', 'sha256:1', t(1));
    await tally.flush();
    expect(records.calls).toHaveLength(1);
    expect(records.calls[0]!.manifests).toHaveLength(2);
  });

  it('stops counting new manifests when full, and counts again once written', async () => {
    const records = new FakePullRecords();
    const tally = new PullTally(records, { maxEntries: 3 });
    for (let i = 0; i < 5; i++) tally.record('p/a', `sha256:${i}`, t(i));
    tally.record('p/a', 'sha256:0', t(9));
    expect(tally.dropped).toBe(2);
    expect(tally.pending).toBe(4);
    await tally.stop();
    expect(records.calls[0]!.manifests.map((m) => m.digest)).toEqual(['sha256:0', 'sha256:1', 'sha256:2']);
    tally.record('p/a', 'sha256:4', t(10));
    expect(tally.pending).toBe(1);
  });

  it('flushes on a timer until stopped', async () => {
    const records = new FakePullRecords();
    const tally = new PullTally(records);
    tally.start(10);
    tally.record('p/a', 'sha256:1', t(1));
    for (let i = 0; i < 100 && records.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(records.calls).toHaveLength(1);
    await tally.stop();
    tally.record('p/a', 'sha256:1', t(2));
    await new Promise((r) => setTimeout(r, 50));
    expect(records.calls).toHaveLength(1);
  });
});
