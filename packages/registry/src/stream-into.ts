import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digester } from '@berth/oci';
import type { FileWriter } from '@berth/storage';

/**
 * Body bytes an upload may queue while a write is in flight, before it pauses the socket, and
 * the most one write carries. 1 MiB and 4 MiB pushed at the same CPU per GiB; 1 MiB holds less
 * per concurrent upload.
 */
const QUEUE_BYTES = 1024 * 1024;

/**
 * Streams a request body into a storage writer, hashing every byte once as it arrives. One write
 * is in flight at a time; the chunks the socket delivers meanwhile (up to 64 KiB each, often
 * less: skopeo's compressed streams come in ~28 KiB pieces) queue up to QUEUE_BYTES, then the
 * socket is paused. When the write returns, everything queued goes to the disk as one write,
 * copied into a buffer the upload reuses: no garbage, and one trip through the thread pool per
 * queue instead of one per chunk. Memory stays flat whatever the blob size.
 *
 * Measured on the bench machine against writing chunk by chunk (curl as the client, 6–12
 * alternated rounds): 256 MiB monolithic pushes 171 against 135 MiB/s and 4.27 against 5.34
 * CPU-s per GiB in the api, 32 MiB 162 against 146 MiB/s, chunked transfer encoding 219 against
 * 144 MiB/s. (An earlier trial, on a machine loaded by other work and while a full collection
 * ran every 40 MiB, had found gathering slower; see docs/benchmarks.md.)
 */
export async function streamInto(body: Readable, writer: FileWriter, digester?: Digester): Promise<void> {
  let gather: Buffer | undefined;
  await pipeline(
    body,
    new Writable({
      highWaterMark: QUEUE_BYTES,
      writev(chunks, callback) {
        for (const { chunk } of chunks) digester?.update(chunk as Buffer);
        if (chunks.length === 1) {
          writer.write(chunks[0]!.chunk as Buffer).then(() => callback(), callback);
          return;
        }
        gather ??= Buffer.allocUnsafeSlow(QUEUE_BYTES);
        writeGathered(
          writer,
          gather,
          chunks.map(({ chunk }) => chunk as Buffer),
        ).then(() => callback(), callback);
      },
    }),
  );
}

/**
 * Writes `chunks` in order through `buffer`, as few writes as its size allows. A writer is done
 * with a buffer once `write` resolves (the `FileWriter` contract), so the next fill may reuse it.
 */
async function writeGathered(writer: FileWriter, buffer: Buffer, chunks: Buffer[]): Promise<void> {
  let filled = 0;
  for (const chunk of chunks) {
    for (let offset = 0; offset < chunk.length;) {
      const copied = chunk.copy(buffer, filled, offset);
      filled += copied;
      offset += copied;
      if (filled === buffer.length) {
        await writer.write(buffer);
        filled = 0;
      }
    }
  }
  if (filled > 0) await writer.write(buffer.subarray(0, filled));
}
