import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Digester } from '@berth/oci';
import type { FileWriter } from '@berth/storage';
import { STAGE_BYTES, streamInto } from './stream-into.js';

/**
 * A FileWriter that records each write (a copy: a staging buffer is reused afterwards), holds
 * every write until the test releases it, and counts how many were in flight at once.
 */
class RecordingWriter implements FileWriter {
  readonly writes: Buffer[] = [];
  maxInFlight = 0;
  private inFlight = 0;
  private failAt: number | undefined;
  private readonly gates: Array<() => void> = [];
  autoRelease = true;

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
  it('writes every byte in order, in 4 MiB writes, and hashes exactly those bytes', async () => {
    const size = 2 * STAGE_BYTES + 12_345;
    const { bytes, body } = bodyOf(size, 65_536);
    const writer = new RecordingWriter();
    const digester = new Digester();
    await streamInto(body, writer, digester);
    expect(writer.writes.map((write) => write.length)).toEqual([STAGE_BYTES, STAGE_BYTES, 12_345]);
    expect(writer.bytes().equals(bytes)).toBe(true);
    expect(digester.size).toBe(size);
    expect(digester.digest()).toBe(sha256(bytes));
  });

  it('keeps chunks that straddle a buffer boundary intact, whatever their size', async () => {
    const size = STAGE_BYTES + 3 * 99_991;
    const { bytes, body } = bodyOf(size, 99_991);
    const writer = new RecordingWriter();
    await streamInto(body, writer);
    expect(writer.writes[0]!.length).toBe(STAGE_BYTES);
    expect(writer.bytes().equals(bytes)).toBe(true);
  });

  it('writes a small body in one write, and an empty body not at all', async () => {
    const small = bodyOf(1000, 300);
    const writer = new RecordingWriter();
    await streamInto(small.body, writer);
    expect(writer.writes).toHaveLength(1);
    expect(writer.bytes().equals(small.bytes)).toBe(true);

    const empty = new RecordingWriter();
    const digester = new Digester();
    await streamInto(Readable.from([], { objectMode: false }), empty, digester);
    expect(empty.writes).toHaveLength(0);
    expect(digester.size).toBe(0);
  });

  it('passes chunks of 4 MiB or more through without staging them', async () => {
    const { bytes, body } = bodyOf(2 * STAGE_BYTES + 8, STAGE_BYTES + 4);
    const writer = new RecordingWriter();
    await streamInto(body, writer);
    expect(writer.writes.map((write) => write.length)).toEqual([STAGE_BYTES + 4, STAGE_BYTES + 4]);
    expect(writer.bytes().equals(bytes)).toBe(true);
  });

  it('has at most one write in flight and stops reading while the disk is busy', async () => {
    const { bytes, body, pulled } = bodyOf(8 * STAGE_BYTES, 65_536);
    const writer = new RecordingWriter();
    writer.autoRelease = false;
    const done = streamInto(body, writer);
    // Let the stream run as far as it can while the first write is held.
    for (let i = 0; i < 200; i++) await new Promise((resolve) => setImmediate(resolve));
    // One buffer being written, one full and waiting, the 1 MiB queue and the source's own
    // read-ahead: nowhere near the 32 MiB body.
    expect(writer.maxInFlight).toBe(1);
    expect(pulled()).toBeGreaterThan(STAGE_BYTES);
    expect(pulled()).toBeLessThan(3 * STAGE_BYTES);
    writer.autoRelease = true;
    writer.releaseAll();
    await done;
    expect(writer.maxInFlight).toBe(1);
    expect(writer.bytes().equals(bytes)).toBe(true);
  });

  it('fails when a write fails, and does not resolve before the write in flight settled', async () => {
    const { body } = bodyOf(3 * STAGE_BYTES, 65_536);
    const writer = new RecordingWriter();
    writer.failOnWrite(1);
    await expect(streamInto(body, writer)).rejects.toThrow('disk full');
    expect(writer.writes).toHaveLength(1);
  });

  it('fails when the body fails, after what was already written', async () => {
    const writer = new RecordingWriter();
    const body = new Readable({ read() {} });
    const done = streamInto(body, writer);
    body.push(Buffer.alloc(STAGE_BYTES, 1));
    body.push(Buffer.alloc(1000, 2));
    setImmediate(() => body.destroy(new Error('client went away')));
    await expect(done).rejects.toThrow('client went away');
    // The staged 1000 bytes never reach the writer: the upload resumes from what is stored.
    expect(writer.size).toBe(STAGE_BYTES);
  });
});
