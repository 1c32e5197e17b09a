import type { FileWriter } from './driver.js';

type WriterState = 'open' | 'closed' | 'committed' | 'cancelled';

/**
 * The `FileWriter` state machine, shared so every driver ends a writer the same way. Subclasses
 * supply only the four backend steps.
 *
 * Writes are chained: a caller that fires several `write`s without awaiting still gets its bytes
 * in call order, and each promise resolves only once the backend took the chunk (back-pressure).
 * A failed write fails every later one, since the object no longer holds what the caller sent.
 */
export abstract class BaseFileWriter implements FileWriter {
  #size: number;
  #state: WriterState = 'open';
  #pending: Promise<void> = Promise.resolve();

  protected constructor(
    protected readonly path: string,
    initialSize: number,
  ) {
    this.#size = initialSize;
  }

  /** Stores one chunk after the previous ones. The caller may reuse `chunk` once this resolves. */
  protected abstract append(chunk: Buffer): Promise<void>;
  /** Makes the bytes stored so far durable. */
  protected abstract persist(): Promise<void>;
  /** Releases backend resources (handles); the bytes stay. */
  protected abstract release(): Promise<void>;
  /** Removes the object. Must tolerate an object that is already gone. */
  protected abstract discard(): Promise<void>;

  get size(): number {
    return this.#size;
  }

  write(chunk: Buffer): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(this.#ended('write'));
    const written = this.#pending.then(async () => {
      if (chunk.length === 0) return;
      await this.append(chunk);
      this.#size += chunk.length;
    });
    this.#pending = written;
    return written;
  }

  async commit(): Promise<void> {
    if (this.#state !== 'open') throw this.#ended('commit');
    this.#state = 'closed';
    try {
      await this.#pending;
      await this.persist();
    } finally {
      await this.release();
    }
    this.#state = 'committed';
  }

  async cancel(): Promise<void> {
    if (this.#state === 'committed' || this.#state === 'cancelled') throw this.#ended('cancel');
    const wasOpen = this.#state === 'open';
    this.#state = 'cancelled';
    // The bytes are about to be removed: how their sync or close went no longer matters.
    if (wasOpen) await this.#drainAndRelease().catch(() => undefined);
    await this.discard();
  }

  async close(): Promise<void> {
    // Idempotent so `finally { await writer.close() }` is safe after a commit or a cancel.
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    await this.#drainAndRelease();
  }

  async #drainAndRelease(): Promise<void> {
    try {
      // A failed write was already reported to the caller that issued it.
      await this.#pending.catch(() => undefined);
    } finally {
      await this.release();
    }
  }

  #ended(operation: string): Error {
    return new Error(`cannot ${operation}: the writer for ${this.path} is already ${this.#state}`);
  }
}
