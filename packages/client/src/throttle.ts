import { Transform, type TransformCallback } from 'node:stream';

/**
 * A token bucket: credit accrues at `bytesPerSecond` up to `burstBytes`, and sending takes it.
 * A sender may go into debt, and then waits until the debt is paid back: over any stretch of
 * time T the bytes let through stay under `burstBytes + bytesPerSecond × T`.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly bytesPerSecond: number,
    readonly burstBytes = defaultBurst(bytesPerSecond),
    /** Milliseconds, monotonic; replaced in tests. */
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError('bytesPerSecond must be positive');
    this.tokens = burstBytes;
    this.last = now();
  }

  /** Takes `bytes` of credit; returns how many milliseconds to wait before sending them. */
  reserve(bytes: number): number {
    const now = this.now();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
    this.last = now;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.bytesPerSecond;
  }
}

/** A quarter second of credit, between 16 KiB and 1 MiB: smooth, without a sleep per chunk. */
export function defaultBurst(bytesPerSecond: number): number {
  return Math.round(Math.min(Math.max(bytesPerSecond / 4, 16 * 1024), 1024 * 1024));
}

/** A bandwidth limit in KiB per second (as a policy states it) as a bucket. */
export function bucketForKibPerSecond(kibPerSecond: number): TokenBucket {
  return new TokenBucket(kibPerSecond * 1024);
}

/**
 * A pass-through stream that lets bytes out no faster than `bucket` allows. Chunks are cut to at
 * most the burst (and 64 KiB), so a 4 MiB read does not leave as one late lump. Several streams
 * may share one bucket (one limit for a whole copy).
 */
export class ThrottleStream extends Transform {
  private readonly slice: number;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly bucket: TokenBucket) {
    super();
    this.slice = Math.max(1, Math.min(bucket.burstBytes, 64 * 1024));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pass(chunk).then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    clearTimeout(this.timer);
    this.wake?.();
    callback(error);
  }

  private async pass(chunk: Buffer): Promise<void> {
    for (let offset = 0; offset < chunk.length && !this.destroyed; offset += this.slice) {
      const part = chunk.subarray(offset, offset + this.slice);
      const wait = this.bucket.reserve(part.length);
      if (wait > 0) await this.sleep(wait);
      if (this.destroyed) return;
      this.push(part);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, Math.ceil(ms));
    });
  }
}
