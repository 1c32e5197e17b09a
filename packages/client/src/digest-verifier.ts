import { Transform, type TransformCallback } from 'node:stream';
import { Digester, digestAlgorithm, type Digest } from '@berth/oci';
import { RegistryClientError } from './errors.js';

export interface DigestVerifierOptions {
  /** Bytes expected in total, when known: a shorter or longer stream fails too. */
  size?: number;
  /** Pass on only bytes `[start, end]` (inclusive) while hashing all of them. */
  range?: { start: number; end?: number };
  /** For the error: where the bytes came from (no credentials). */
  url?: string;
}

/**
 * A pass-through that hashes what flows and fails at the end (before the stream ends for its
 * reader) when the digest or the size is not what was asked for. Bytes are never held back:
 * a consumer must treat the content as untrusted until the stream ended without an error.
 */
export class DigestVerifier extends Transform {
  private readonly digester: Digester;
  private position = 0;

  constructor(
    readonly expected: Digest,
    private readonly options: DigestVerifierOptions = {},
  ) {
    super();
    this.digester = new Digester(digestAlgorithm(expected));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.digester.update(chunk);
    const range = this.options.range;
    const start = this.position;
    this.position += chunk.length;
    if (!range) return callback(null, chunk);
    const from = Math.max(range.start - start, 0);
    const to = range.end === undefined ? chunk.length : Math.min(range.end + 1 - start, chunk.length);
    callback(null, from < to ? chunk.subarray(from, to) : undefined);
  }

  override _flush(callback: TransformCallback): void {
    const { size, url } = this.options;
    if (size !== undefined && this.digester.size !== size) {
      return callback(
        new RegistryClientError(`blob ${this.expected}: expected ${size} bytes, got ${this.digester.size}`, {
          status: 0,
          code: 'SIZE_MISMATCH',
          ...(url !== undefined && { url }),
        }),
      );
    }
    const actual = this.digester.digest();
    if (actual !== this.expected) {
      return callback(
        new RegistryClientError(`blob content has digest ${actual}, expected ${this.expected}`, {
          status: 0,
          code: 'DIGEST_MISMATCH',
          ...(url !== undefined && { url }),
        }),
      );
    }
    callback();
  }
}
