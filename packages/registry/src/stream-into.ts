import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digester } from '@berth/oci';
import type { FileWriter } from '@berth/storage';

/** Bytes a blob upload may have in flight between the socket and the disk. */
const WRITE_BUFFER = 4 * 1024 * 1024;

/**
 * Streams a request body into a storage writer, hashing in the same pass. Reading and writing
 * overlap (up to WRITE_BUFFER bytes are queued while a write is in flight), and back-pressure
 * holds the socket when the disk is slower, so memory stays flat whatever the blob size.
 */
export async function streamInto(body: Readable, writer: FileWriter, digester?: Digester): Promise<void> {
  const sink = new Writable({
    highWaterMark: WRITE_BUFFER,
    write(chunk: Buffer, _encoding, callback) {
      writer.write(chunk).then(() => callback(), callback);
    },
  });
  await pipeline(
    body,
    async function* hash(source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        digester?.update(chunk);
        yield chunk;
      }
    },
    sink,
  );
}
