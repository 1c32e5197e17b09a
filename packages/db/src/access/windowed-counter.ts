/** What a closed window reports: the first occurrence's value, how many, and when. */
export interface CountedWindow<T> {
  value: T;
  count: number;
  firstAt: Date;
  lastAt: Date;
}

export interface WindowedCounterOptions {
  /** A window closes this long after its first occurrence. */
  windowMs: number;
  /** Open windows kept at most; past it the oldest closes early (memory stays bounded). */
  maxOpen: number;
}

/**
 * Counts repeated occurrences per key in tumbling windows: the first occurrence of a key opens
 * a window, later ones within `windowMs` only bump its count, and `due()` hands back the windows
 * that have closed. Pure (the caller passes the clock), so a busy registry writes one audit row
 * per puller and artifact (or per login of one account from one address) per window instead of
 * one per pull or token request.
 */
export class WindowedCounter<T> {
  // Insertion order is opening order: the first entries are the oldest windows.
  private readonly open = new Map<string, CountedWindow<T>>();

  constructor(private readonly options: WindowedCounterOptions) {
    if (!(options.windowMs >= 0) || !(options.maxOpen >= 1)) {
      throw new RangeError('windowMs must be ≥ 0 and maxOpen ≥ 1');
    }
  }

  /** Open windows right now. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Counts one occurrence of `key` at `at`. Returns the windows closed early to stay within
   * `maxOpen` (usually none); the caller must not lose them.
   */
  add(key: string, value: T, at: Date): CountedWindow<T>[] {
    const current = this.open.get(key);
    if (current && at.getTime() - current.firstAt.getTime() < this.options.windowMs) {
      current.count += 1;
      if (at > current.lastAt) current.lastAt = at;
      return [];
    }
    const closed: CountedWindow<T>[] = [];
    if (current) {
      this.open.delete(key);
      closed.push(current);
    }
    while (this.open.size >= this.options.maxOpen) {
      const [oldestKey, oldest] = this.open.entries().next().value as [string, CountedWindow<T>];
      this.open.delete(oldestKey);
      closed.push(oldest);
    }
    this.open.set(key, { value, count: 1, firstAt: at, lastAt: at });
    return closed;
  }

  /** Removes and returns the windows that closed by `now`, oldest first. */
  due(now: Date): CountedWindow<T>[] {
    const closed: CountedWindow<T>[] = [];
    for (const [key, window] of this.open) {
      if (now.getTime() - window.firstAt.getTime() < this.options.windowMs) break;
      this.open.delete(key);
      closed.push(window);
    }
    return closed;
  }

  /** Removes and returns every open window (at shutdown). */
  drain(): CountedWindow<T>[] {
    const all = [...this.open.values()];
    this.open.clear();
    return all;
  }
}
