import { createCipheriv, createHash, type Hash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';

/**
 * Deterministic pseudo-random bytes from a seed string: the AES-256-CTR keystream with
 * key = sha256("key:" + seed) and iv = sha256("iv:" + seed)[0..16]. Byte-identical to
 * `openssl enc -aes-256-ctr -K <key> -iv <iv> < /dev/zero` as used by the bench's mkimage.sh,
 * fast (> 1 GB/s), and never held in memory as a whole.
 */
export function seededChunks(seed: string, size: number, chunkSize = 1 << 20): Generator<Buffer> {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad size ${size}`);
  const key = createHash('sha256').update(`key:${seed}`).digest();
  const iv = createHash('sha256').update(`iv:${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const zeros = Buffer.alloc(Math.min(chunkSize, Math.max(size, 1)));
  return (function* () {
    let left = size;
    while (left > 0) {
      const n = Math.min(left, zeros.length);
      yield cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n));
      left -= n;
    }
  })();
}

/** `size` seeded bytes as a Node stream (for request bodies and files of any size). */
export function seededStream(seed: string, size: number, chunkSize = 1 << 20): Readable {
  return Readable.from(seededChunks(seed, size, chunkSize), { objectMode: false });
}

/** `size` seeded bytes in memory (small payloads only). */
export function seededBytes(seed: string, size: number): Buffer {
  return Buffer.concat([...seededChunks(seed, size)]);
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A pass-through stream that hashes and counts what flows through it. */
export class HashingStream extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  /** `sha256:<hex>`; call once, after the stream ended. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** Consumes a stream (Node or web, or any async iterable of bytes) and returns its digest and length. */
export async function digestStream(
  stream: AsyncIterable<Uint8Array>,
): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, bytes };
}
