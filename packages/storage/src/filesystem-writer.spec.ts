import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemDriver } from './filesystem-driver.js';
import { FilesystemWriter } from './filesystem-writer.js';

const MiB = 1024 * 1024;

/** A FileHandle stand-in that records calls; `datasync` resolves only when the test says so. */
function fakeHandle(options: { datasyncError?: Error } = {}) {
  const calls: string[] = [];
  let finishDatasync: (() => void) | undefined;
  const handle = {
    write: (chunk: Buffer, offset: number, length: number) => {
      calls.push(`write ${length}`);
      return Promise.resolve({ bytesWritten: length, buffer: chunk });
    },
    datasync: () => {
      calls.push('datasync');
      return new Promise<void>((resolve, reject) => {
        finishDatasync = () => (options.datasyncError ? reject(options.datasyncError) : resolve());
      });
    },
    sync: () => {
      calls.push('sync');
      return Promise.resolve();
    },
    close: () => {
      calls.push('close');
      return Promise.resolve();
    },
  };
  return { handle: handle as unknown as FileHandle, calls, finishDatasync: () => finishDatasync?.() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FilesystemWriter early writeback', () => {
  it('starts background fdatasyncs after 4 MiB, then twice as many bytes each time, up to 64 MiB', async () => {
    const fake = fakeHandle();
    const writer = new FilesystemWriter('/blob', fake.handle, 0, () => Promise.resolve());
    const startedAt: number[] = [];
    for (let mib = 1; mib <= 200; mib++) {
      const before = fake.calls.length;
      await writer.write(Buffer.alloc(MiB));
      if (fake.calls.slice(before).includes('datasync')) {
        startedAt.push(mib);
        fake.finishDatasync();
        await tick();
      }
    }
    expect(startedAt).toEqual([4, 12, 28, 60, 124, 188]);
    await writer.commit();
  });

  it('runs one background fdatasync at a time and lets writes go on meanwhile', async () => {
    const fake = fakeHandle();
    const writer = new FilesystemWriter('/blob', fake.handle, 0, () => Promise.resolve());
    const chunk = Buffer.alloc(4 * MiB);
    for (let i = 0; i < 16; i++) await writer.write(chunk);
    expect(fake.calls.filter((call) => call === 'datasync')).toHaveLength(1);
    // The sync is still running: more writes land, and no second sync starts.
    for (let i = 0; i < 20; i++) await writer.write(chunk);
    expect(fake.calls.filter((call) => call === 'datasync')).toHaveLength(1);
    expect(fake.calls.filter((call) => call.startsWith('write'))).toHaveLength(36);
    const committed = writer.commit();
    await tick();
    // The commit's own fsync waits for the background one.
    expect(fake.calls).not.toContain('sync');
    fake.finishDatasync();
    await committed;
    expect(fake.calls.slice(-2)).toEqual(['sync', 'close']);
  });

  it('fails the commit when the background fdatasync failed, even if the last fsync succeeds', async () => {
    const fake = fakeHandle({ datasyncError: new Error('EIO: i/o error') });
    const writer = new FilesystemWriter('/blob', fake.handle, 0, () => Promise.resolve());
    for (let i = 0; i < 16; i++) await writer.write(Buffer.alloc(4 * MiB));
    fake.finishDatasync();
    await expect(writer.commit()).rejects.toThrow('EIO');
    expect(fake.calls.at(-1)).toBe('close');
  });

  it('closes the handle only after the background fdatasync ended', async () => {
    const fake = fakeHandle();
    const writer = new FilesystemWriter('/blob', fake.handle, 0, () => Promise.resolve());
    for (let i = 0; i < 16; i++) await writer.write(Buffer.alloc(4 * MiB));
    const closed = writer.close();
    await tick();
    expect(fake.calls).not.toContain('close');
    fake.finishDatasync();
    await closed;
    expect(fake.calls.at(-1)).toBe('close');
  });

  it('fails a close without commit when the background fdatasync failed', async () => {
    const fake = fakeHandle({ datasyncError: new Error('EIO: i/o error') });
    const writer = new FilesystemWriter('/blob', fake.handle, 0, () => Promise.resolve());
    for (let i = 0; i < 2; i++) await writer.write(Buffer.alloc(4 * MiB));
    fake.finishDatasync();
    await expect(writer.close()).rejects.toThrow('EIO');
    expect(fake.calls.at(-1)).toBe('close');
  });

  it('still removes the object on cancel when the background fdatasync failed', async () => {
    const fake = fakeHandle({ datasyncError: new Error('EIO: i/o error') });
    let removed = false;
    const writer = new FilesystemWriter('/blob', fake.handle, 0, () =>
      Promise.resolve(void (removed = true)),
    );
    for (let i = 0; i < 2; i++) await writer.write(Buffer.alloc(4 * MiB));
    fake.finishDatasync();
    await writer.cancel();
    expect(removed).toBe(true);
    expect(fake.calls.at(-1)).toBe('close');
  });

  it('stores a blob larger than the threshold byte for byte', async () => {
    const sandbox = await mkdtemp(join(tmpdir(), 'berth-writer-'));
    try {
      const driver = new FilesystemDriver(sandbox);
      const writer = await driver.writer('/uploads/big/data', false);
      const pieces: Buffer[] = [];
      for (let i = 0; i < 20; i++) {
        const piece = Buffer.alloc(4 * MiB + 7, i);
        pieces.push(piece);
        await writer.write(piece);
      }
      await writer.commit();
      const stored = await readFile(join(sandbox, 'uploads/big/data'));
      expect(stored.equals(Buffer.concat(pieces))).toBe(true);
    } finally {
      await rm(sandbox, { recursive: true, force: true });
    }
  });
});
