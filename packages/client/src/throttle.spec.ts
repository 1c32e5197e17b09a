import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from '@jest/globals';
import { bucketForKibPerSecond, defaultBurst, ThrottleStream, TokenBucket } from './throttle.js';

describe('TokenBucket', () => {
  it('lets the burst through at once, then meters at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 500, () => now);
    expect(bucket.reserve(500)).toBe(0);
    // 250 bytes of debt at 1000 B/s: a quarter second.
    expect(bucket.reserve(250)).toBe(250);
    now = 250;
    expect(bucket.reserve(100)).toBe(100);
  });

  it('refills with time, never above the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 500, () => now);
    expect(bucket.reserve(500)).toBe(0);
    now = 10_000; // idle: credit caps at 500, not 10 000
    expect(bucket.reserve(500)).toBe(0);
    expect(bucket.reserve(1)).toBeCloseTo(1);
  });

  it('keeps any long transfer under burst + rate × time', () => {
    let now = 0;
    const rate = 64 * 1024;
    const bucket = new TokenBucket(rate, defaultBurst(rate), () => now);
    let sent = 0;
    for (let i = 0; i < 1000; i++) {
      now += bucket.reserve(4096); // the sender waits exactly as told
      sent += 4096;
      expect(sent).toBeLessThanOrEqual(bucket.burstBytes + (rate * now) / 1000 + 1e-6);
    }
    // …and not much slower: the whole transfer takes (sent − burst) / rate.
    expect(now).toBeCloseTo(((sent - bucket.burstBytes) / rate) * 1000, 3);
  });

  it('takes a policy limit in KiB per second; refuses a rate that is not positive', () => {
    expect(bucketForKibPerSecond(1024).bytesPerSecond).toBe(1024 * 1024);
    expect(defaultBurst(1024 * 1024)).toBe(256 * 1024);
    expect(defaultBurst(1024)).toBe(16 * 1024);
    expect(() => new TokenBucket(0)).toThrow(RangeError);
  });
});

describe('ThrottleStream', () => {
  it('slows a stream down to the rate and keeps every byte in order', async () => {
    const bytes = Buffer.alloc(256 * 1024, 7);
    bytes.writeUInt32BE(0xdeadbeef, bytes.length - 4);
    const bucket = new TokenBucket(512 * 1024, 32 * 1024);
    const chunks: Buffer[] = [];
    const started = performance.now();
    await pipeline(
      Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)]),
      new ThrottleStream(bucket),
      async (source) => {
        for await (const chunk of source) chunks.push(chunk as Buffer);
      },
    );
    const elapsed = performance.now() - started;
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    // (256 KiB − 32 KiB burst) at 512 KiB/s = 437.5 ms at least.
    expect(elapsed).toBeGreaterThanOrEqual(430);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(32 * 1024);
  });

  it('stops waiting when destroyed', async () => {
    const bucket = new TokenBucket(1024, 1024);
    const throttle = new ThrottleStream(bucket);
    throttle.write(Buffer.alloc(64 * 1024));
    const closed = new Promise((resolve) => throttle.once('close', resolve));
    throttle.destroy();
    const started = performance.now();
    await closed;
    expect(performance.now() - started).toBeLessThan(500);
  });
});
