import { createHash } from 'node:crypto';
import { connect } from 'node:net';

export interface LeanDownload {
  status: number;
  digest: string;
  bytes: number;
}

/** Response headers larger than this are refused (a registry's are well under 4 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;
/** The socket reads into this one buffer, reused for every read. */
const READ_BUFFER_BYTES = 1024 * 1024;

/**
 * GET `url` over plain HTTP/1.1 on a new connection and sha256 the body as it arrives, the way
 * a Go or C client pulls: the socket reads into one reused buffer and the bytes are hashed
 * there, with no per-chunk allocation, HTTP parser copy or stream in between.
 *
 * Why the bench does not use Node's `http` for pulls: it copies every body chunk into a new
 * Buffer and passes it through a stream, which cost the client ~3 CPU-seconds per GiB in
 * `pnpm bench`. Both registries then waited on the client (86–89% of the CPU of a pull was the
 * client's), so the pull rows compared clients, not registries.
 *
 * Only what a blob GET from these registries needs: a `Content-Length` body, no redirects, no
 * chunked encoding (either throws), no TLS.
 */
export function leanDownload(url: string, headers: Record<string, string>): Promise<LeanDownload> {
  const target = new URL(url);
  if (target.protocol !== 'http:') throw new Error(`leanDownload: ${target.protocol} is not supported`);
  const request =
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n` +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let head: Buffer | undefined = Buffer.alloc(0);
    let status = 0;
    let expected = -1;
    let received = 0;
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    const onBody = (bytes: Buffer) => {
      received += bytes.length;
      if (received > expected) return fail(new Error(`body longer than Content-Length ${expected}`));
      hash.update(bytes);
      if (received === expected) {
        socket.destroy();
        resolve({ status, digest: `sha256:${hash.digest('hex')}`, bytes: received });
      }
    };
    const onHead = (bytes: Buffer) => {
      // Only the head is copied (it is small); the body is hashed straight from the read buffer.
      head = Buffer.concat([head!, bytes]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) fail(new Error('response head too large'));
        return;
      }
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const field = (name: string) =>
        lines
          .find((line) => line.toLowerCase().startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      if (field('transfer-encoding'))
        return fail(new Error('leanDownload: chunked responses are not supported'));
      expected = Number(field('content-length') ?? Number.NaN);
      if (!Number.isSafeInteger(expected))
        return fail(new Error(`response ${status} without Content-Length`));
      const rest = head.subarray(end + 4);
      head = undefined;
      if (expected === 0) {
        socket.destroy();
        resolve({ status, digest: `sha256:${hash.digest('hex')}`, bytes: 0 });
      } else if (rest.length > 0) onBody(rest);
    };
    const socket = connect({
      host: target.hostname,
      port: Number(target.port || 80),
      onread: {
        buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
        callback(length, buffer) {
          const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, length);
          if (head !== undefined) onHead(bytes);
          else onBody(bytes);
          return true;
        },
      },
    });
    socket.on('connect', () => socket.write(request));
    socket.on('error', reject);
    socket.on('end', () => {
      if (expected < 0 || received < expected)
        reject(new Error(`connection closed after ${received} of ${expected} body bytes`));
    });
  });
}
