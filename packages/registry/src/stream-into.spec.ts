import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Digester } from '@berth/oci';
import type { FileWriter } from '@berth/storage';
import { streamInto } from './stream-into.js';

const MiB = 1024 * 1024;

/**
 * A FileWriter that records each write, holds every write until the test releases it (when
 * `autoRelease` is off), and counts how many were in flight at once.
 */
class RecordingWriter implements FileWriter {
  readonly writes: Buffer[] = [];
  maxInFlight = 0;
  autoRelease = true;
  private inFlight = 0;
  private failAt: number | undefined;
  private readonly gates: Array<() => void> = [];

  get size(): number {
    return this.writes.reduce((sum, write) => sum + write.length, 0);
  }

  failOnWrite(index: number): void {
    this.failAt = index;
  }

  async write(chunk: Buffer): Promise<void> {
    const index = this.writes.length;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (index === this.failAt) throw new Error('disk full');
      if (!this.autoRelease) await new Promise<void>((resolve) => this.gates.push(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      this.writes.push(Buffer.from(chunk));
    } finally {
      this.inFlight--;
    }
  }

  releaseAll(): void {
    for (const open of this.gates.splice(0)) open();
  }

  bytes(): Buffer {
    return Buffer.concat(this.writes);
  }

  commit = () => Promise.resolve();
  cancel = () => Promise.resolve();
  close = () => Promise.resolve();
}

/** `size` pseudo-random bytes, delivered in chunks of `chunkSize` (as a socket would). */
function bodyOf(size: number, chunkSize: number): { bytes: Buffer; body: Readable; pulled: () => number } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
  let pulled = 0;
  function* chunks() {
    for (let offset = 0; offset < size; offset += chunkSize) {
      const chunk = bytes.subarray(offset, offset + chunkSize);
      pulled += chunk.length;
      yield chunk;
    }
  }
  return { bytes, body: Readable.from(chunks(), { objectMode: false }), pulled: () => pulled };
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('streamInto', () => {
  it('writes every byte in order and hashes exactly those bytes', async () => {
    const size = 3 * MiB + 12_345;
    const { bytes, body } = bodyOf(size, 65_536);
    const writer = new RecordingWriter();
    const digester = new Digester();
    await streamInto(body, writer, digester);
    expect(writer.bytes().equals(bytes)).toBe(true);
    expect(digester.size).toBe(size);
    expect(digester.digest()).toBe(sha256(bytes));
  });

  it('writes nothing for an empty body, whose digest is that of no bytes', async () => {
    const writer = new RecordingWriter();
    const digester = new Digester();
    await streamInto(Readable.from([], { objectMode: false }), writer, digester);
    expect(writer.writes).toHaveLength(0);
    expect(digester.digest()).toBe(sha256(Buffer.alloc(0)));
  });

  it('has one write in flight at a time and stops reading while the disk is busy', async () => {
    const { bytes, body, pulled } = bodyOf(32 * MiB, 65_536);
    const writer = new RecordingWriter();
    writer.autoRelease = false;
    const done = streamInto(body, writer);
    // Let the stream run as far as it can while the first write is held.
    for (let i = 0; i < 200; i++) await new Promise((resolve) => setImmediate(resolve));
    // The held write, the 1 MiB queue and the source's read-ahead: nowhere near 32 MiB.
    expect(pulled()).toBeGreaterThan(MiB / 2);
    expect(pulled()).toBeLessThan(3 * MiB);
    writer.autoRelease = true;
    writer.releaseAll();
    await done;
    expect(writer.maxInFlight).toBe(1);
    expect(writer.bytes().equals(bytes)).toBe(true);
  });

  it('gathers the small chunks queued behind a write into writes of at most 1 MiB', async () => {
    // skopeo's gzip streams arrive in pieces of a few KiB: one write each would cost a thread-pool trip each.
    const { bytes, body } = bodyOf(4 * MiB + 100, 4096);
    const writer = new RecordingWriter();
    await streamInto(body, writer);
    // The recording writer copies the bytes only after a delay: reusing the gather buffer before
    // a write resolved would show here as wrong bytes.
    expect(writer.bytes().equals(bytes)).toBe(true);
    expect(writer.writes.length).toBeLessThan(64);
    expect(Math.max(...writer.writes.map((write) => write.length))).toBeLessThanOrEqual(MiB);
  });

  it('fails when a write fails', async () => {
    // 8 MiB need at least 8 writes, however the chunks are gathered.
    const { body } = bodyOf(8 * MiB, 65_536);
    const writer = new RecordingWriter();
    writer.failOnWrite(3);
    await expect(streamInto(body, writer)).rejects.toThrow('disk full');
    expect(writer.writes).toHaveLength(3);
  });

  it('fails when the body fails, after handing over what arrived', async () => {
    const writer = new RecordingWriter();
    const body = new Readable({ read() {} });
    const done = streamInto(body, writer);
    body.push(Buffer.alloc(1000, 1));
    setImmediate(() => body.destroy(new Error('client went away')));
    await expect(done).rejects.toThrow('client went away');
    // The write issued before the failure still lands (the caller closes the writer after it).
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.size).toBe(1000);
  });
});
