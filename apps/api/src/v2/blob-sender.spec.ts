import { createHash, randomBytes } from 'node:crypto';
import { createServer, get, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { InMemoryDriver, type RangeReader } from '@berth/storage';
import { ClientGoneError, sendBlob } from './blob-sender.js';

const MiB = 1024 * 1024;

/** A reader that records whether it was closed, over a memory driver's bytes. */
async function readerOf(bytes: Buffer, offset?: number, length?: number) {
  const driver = new InMemoryDriver();
  await driver.putContent('/blob', bytes);
  const inner = await driver.rangeReader('/blob', offset, length);
  const state = { closed: 0 };
  const reader: RangeReader = {
    length: inner.length,
    read: (target, position) => inner.read(target, position),
    close: async () => {
      state.closed++;
      await inner.close();
    },
  };
  return { reader, state };
}

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** Serves one response through `handle` on loopback; returns the server's URL. */
async function serve(handle: (response: ServerResponse) => void): Promise<string> {
  server = createServer((_request, response) => handle(response));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** Downloads a body, hashing it; optionally hangs up after `stopAfter` bytes. */
function download(url: string, stopAfter?: number): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      const hash = createHash('sha256');
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        if (stopAfter !== undefined && bytes >= stopAfter) {
          response.destroy();
          resolve({ bytes, sha256: '' });
        }
      });
      response.on('end', () => resolve({ bytes, sha256: hash.digest('hex') }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('sendBlob', () => {
  it.each([0, 1, 1000, MiB, MiB + 1, 2.5 * MiB])(
    'sends %i bytes exactly and closes the reader',
    async (size) => {
      const bytes = randomBytes(size);
      const { reader, state } = await readerOf(bytes);
      let sent: Promise<void> | undefined;
      const url = await serve((response) => {
        response.writeHead(200, { 'Content-Length': size });
        sent = sendBlob(response, reader);
      });
      expect(await download(url)).toEqual({ bytes: size, sha256: sha256(bytes) });
      await sent;
      expect(state.closed).toBe(1);
    },
  );

  it('sends only the requested range', async () => {
    const bytes = randomBytes(3 * MiB);
    const { reader } = await readerOf(bytes, MiB - 7, MiB + 100);
    const url = await serve((response) => {
      response.writeHead(206, { 'Content-Length': MiB + 100 });
      void sendBlob(response, reader);
    });
    expect(await download(url)).toEqual({
      bytes: MiB + 100,
      sha256: sha256(bytes.subarray(MiB - 7, 2 * MiB + 93)),
    });
  });

  it('rejects with ClientGoneError and closes the reader when the client hangs up', async () => {
    // Larger than the socket buffers can hold, so the sender is still writing when the client leaves.
    const bytes = randomBytes(64 * MiB);
    const { reader, state } = await readerOf(bytes);
    let sent: Promise<void> | undefined;
    const url = await serve((response) => {
      response.writeHead(200, { 'Content-Length': bytes.length });
      sent = sendBlob(response, reader);
    });
    const got = await download(url, 256 * 1024);
    expect(got.bytes).toBeLessThan(bytes.length);
    await expect(sent).rejects.toBeInstanceOf(ClientGoneError);
    expect(state.closed).toBe(1);
  });

  it('rejects when the object is shorter than its record, without hanging', async () => {
    const bytes = randomBytes(2 * MiB);
    const { reader } = await readerOf(bytes);
    const short: RangeReader = {
      length: 3 * MiB,
      read: (target, position) => reader.read(target, position),
      close: () => reader.close(),
    };
    let failure: Promise<unknown> | undefined;
    const url = await serve((response) => {
      response.writeHead(200, { 'Content-Length': short.length });
      // What the blob handler does: destroy the socket, so the client sees a short body.
      failure = sendBlob(response, short).then(
        () => undefined,
        (error: unknown) => {
          response.destroy();
          return error;
        },
      );
    });
    await expect(download(url)).rejects.toThrow();
    expect(String(await failure)).toContain('blob ended at byte 2097152 of 3145728');
  });
});
