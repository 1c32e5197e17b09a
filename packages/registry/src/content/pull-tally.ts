import type { ManifestPulls, PullRecords, RepositoryPulls } from '@berth/db';

export interface PullTallyOptions {
  /** Distinct manifests held before a flush is started early. Default 10 000. */
  flushAt?: number;
  /** Distinct manifests held at most; pulls beyond are not counted (the database is down). Default 100 000. */
  maxEntries?: number;
  /** Times a row found locked is tried again before its count is given up. Default 10. */
  maxDeferrals?: number;
  /** A flush failed (the counts are kept for the next one). */
  onError?: (error: unknown) => void;
}

interface Entry extends ManifestPulls {
  deferrals: number;
}

/**
 * Pull counters aggregated in memory and written in batches (`PullRecords.add`), so a pull
 * never waits for a database write. Counts survive a failed flush and rows that were locked;
 * they are lost only when the process dies between flushes (at most one interval of counts),
 * or beyond `maxEntries` while the database is unreachable.
 */
export class PullTally {
  private manifests = new Map<string, Entry>();
  private repositories = new Map<string, RepositoryPulls & { deferrals: number }>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly flushAt: number;
  private readonly maxEntries: number;
  private readonly maxDeferrals: number;
  /** Pulls not counted because the tally was full. */
  dropped = 0;

  constructor(
    private readonly records: PullRecords,
    private readonly options: PullTallyOptions = {},
  ) {
    this.flushAt = options.flushAt ?? 10_000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.maxDeferrals = options.maxDeferrals ?? 10;
  }

  /** Counts one pull of `digest` in `repository` at `at`. Never throws, never waits. */
  record(repository: string, digest: string, at: Date): void {
    const key = `${repository}@${digest}`;
    const entry = this.manifests.get(key);
    if (entry) {
      entry.count += 1;
      if (at > entry.lastPulledAt) entry.lastPulledAt = at;
    } else if (this.manifests.size >= this.maxEntries) {
      this.dropped += 1;
      return;
    } else {
      this.manifests.set(key, { repository, digest, count: 1, lastPulledAt: at, deferrals: 0 });
    }
    const repo = this.repositories.get(repository);
    if (repo) repo.count += 1;
    else this.repositories.set(repository, { repository, count: 1, deferrals: 0 });
    if (this.manifests.size >= this.flushAt) void this.flush();
  }

  /** Pulls counted and not yet written. */
  get pending(): number {
    let n = 0;
    for (const entry of this.manifests.values()) n += entry.count;
    return n;
  }

  /** Writes what is counted. One flush at a time: a call during a flush waits for it and runs again. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.manifests.size === 0 && this.repositories.size === 0) return;
    this.flushing = this.write().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /** Flushes every `intervalMs` until `stop()`; the timer does not keep the process alive. */
  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left (at shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    const manifests = this.manifests;
    const repositories = this.repositories;
    this.manifests = new Map();
    this.repositories = new Map();
    try {
      const deferred = await this.records.add(
        [...manifests.values()].map(strip),
        [...repositories.values()].map(strip),
      );
      for (const pulls of deferred.manifests) {
        const entry = manifests.get(`${pulls.repository}@${pulls.digest}`);
        if (entry && entry.deferrals < this.maxDeferrals)
          this.mergeManifest({ ...entry, deferrals: entry.deferrals + 1 });
      }
      for (const pulls of deferred.repositories) {
        const entry = repositories.get(pulls.repository);
        if (entry && entry.deferrals < this.maxDeferrals)
          this.mergeRepository({ ...entry, deferrals: entry.deferrals + 1 });
      }
    } catch (error) {
      manifests.forEach((entry) => this.mergeManifest(entry));
      repositories.forEach((entry) => this.mergeRepository(entry));
      this.options.onError?.(error);
    }
  }

  private mergeManifest(entry: Entry): void {
    const key = `${entry.repository}@${entry.digest}`;
    const current = this.manifests.get(key);
    if (!current) {
      this.manifests.set(key, entry);
      return;
    }
    current.count += entry.count;
    if (entry.lastPulledAt > current.lastPulledAt) current.lastPulledAt = entry.lastPulledAt;
    current.deferrals = Math.max(current.deferrals, entry.deferrals);
  }

  private mergeRepository(entry: RepositoryPulls & { deferrals: number }): void {
    const current = this.repositories.get(entry.repository);
    if (!current) this.repositories.set(entry.repository, entry);
    else current.count += entry.count;
  }
}

function strip<T extends { deferrals: number }>(entry: T): Omit<T, 'deferrals'> {
  const { deferrals: _deferrals, ...rest } = entry;
  return rest;
}
