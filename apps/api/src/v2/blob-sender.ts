import type { ServerResponse } from 'node:http';
import type { RangeReader } from '@berth/storage';

/** Bytes per file read and per socket write. */
const BUFFER_BYTES = 1024 * 1024;

/**
 * Buffers kept for later pulls once a pull ends cleanly: 8 MiB at most, two per pull, so four
 * concurrent pulls allocate nothing. More concurrent pulls allocate and drop their own.
 */
const POOL_LIMIT = 8;
const pool: Buffer[] = [];

/** The socket went away before the body was sent: nothing to answer, nothing to log. */
export class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection');
  }
}

/**
 * Writes a blob as the body of `response`, whose head is already set. Node has no sendfile, so
 * the bytes pass through user space; this keeps that cheap. Two buffers alternate: the next
 * one is read from the file (on the thread pool) while the socket takes the previous one, and a
 * buffer is read into again only once the kernel has taken all of it (the write callback). A
 * stream would allocate a new buffer for every read, whose garbage the collector must then
 * find; here a pull of any size allocates nothing after the first, and its memory is fixed.
 *
 * Resolves once the last byte is handed to the kernel. Rejects with `ClientGoneError` when the
 * client closes the connection first, or with the read's error; the caller destroys the socket
 * (the head is sent, so a short body is the only way left to say it failed).
 */
export async function sendBlob(response: ServerResponse, reader: RangeReader): Promise<void> {
  const size = Math.min(BUFFER_BYTES, reader.length);
  const buffers = [take(size), reader.length > size ? take(size) : undefined];
  let clean = false;
  try {
    let writing: Promise<void> | undefined;
    let position = 0;
    for (let turn = 0; position < reader.length; turn ^= 1) {
      const buffer = buffers[turn]!;
      const read = await reader.read(buffer, position);
      if (read === 0) throw new Error(`blob ended at byte ${position} of ${reader.length}`);
      position += read;
      await writing;
      writing = write(response, read === buffer.length ? buffer : buffer.subarray(0, read));
      // Awaited after the next read; marked handled now so a failure meanwhile is not fatal.
      writing.catch(() => undefined);
    }
    await writing;
    response.end();
    clean = true;
  } finally {
    await reader.close();
    // After a failure a write may still hold a buffer: leave those to the collector.
    if (clean) for (const buffer of buffers) if (buffer) giveBack(buffer);
  }
}

function take(size: number): Buffer {
  return (size === BUFFER_BYTES && pool.pop()) || Buffer.allocUnsafeSlow(size);
}

function giveBack(buffer: Buffer): void {
  if (buffer.length === BUFFER_BYTES && pool.length < POOL_LIMIT) pool.push(buffer);
}

/** One write; resolves when the kernel has taken every byte of `chunk`. */
function write(response: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (response.destroyed) return reject(new ClientGoneError());
    const onClose = () => reject(new ClientGoneError());
    response.once('close', onClose);
    response.write(chunk, (error) => {
      response.off('close', onClose);
      if (error) reject(error);
      else resolve();
    });
  });
}
