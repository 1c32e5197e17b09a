import { type Readable } from 'node:stream';

/**
 * Cuts one byte stream into consecutive pieces of exact sizes (the chunks of a chunked
 * upload) without holding more than one source chunk: `take(n)` yields the next `n` bytes as
 * they arrive. Takes must run one after the other, each to its end.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private pending: Buffer | undefined;
  /** Bytes handed out so far (the offset of the next byte). */
  position = 0;

  constructor(
    private readonly source: Readable,
    start = 0,
  ) {
    this.iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.position = start;
  }

  /** The next `length` bytes, in the source's chunks (split where needed). Throws if the source ends early. */
  async *take(length: number): AsyncGenerator<Buffer> {
    let left = length;
    while (left > 0) {
      const chunk = await this.next();
      if (chunk === undefined) {
        throw new Error(`source ended at byte ${this.position}, ${left} bytes short`);
      }
      const piece = chunk.length > left ? chunk.subarray(0, left) : chunk;
      if (piece.length < chunk.length) this.pending = chunk.subarray(piece.length);
      left -= piece.length;
      this.position += piece.length;
      yield piece;
    }
  }

  /** Reads and drops `length` bytes (to resume at an offset of a stream that cannot seek). */
  async skip(length: number): Promise<void> {
    for await (const _ of this.take(length)) {
      // dropped
    }
  }

  /** True when the source has no byte left. */
  async atEnd(): Promise<boolean> {
    const chunk = await this.next();
    if (chunk === undefined) return true;
    this.pending = chunk;
    return false;
  }

  destroy(): void {
    this.source.destroy();
  }

  private async next(): Promise<Buffer | undefined> {
    if (this.pending) {
      const chunk = this.pending;
      this.pending = undefined;
      return chunk;
    }
    for (;;) {
      const result = await this.iterator.next();
      if (result.done) return undefined;
      const chunk = Buffer.isBuffer(result.value) ? result.value : Buffer.from(result.value);
      if (chunk.length > 0) return chunk;
    }
  }
}
