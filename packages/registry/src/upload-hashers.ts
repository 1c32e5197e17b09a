import { Digester } from '@berth/oci';

/**
 * Running sha256 state of uploads this process is receiving, so a blob is hashed while it is
 * written, in one pass. Hash state cannot move between processes, so an entry is valid only
 * when its offset equals the upload's current size: a chunk taken by another replica, a
 * restart, or a failed write makes it stale, and completion then re-reads the bytes instead.
 * Bounded, oldest evicted first: losing an entry costs a re-read, never correctness.
 */
export class UploadHashers {
  private readonly entries = new Map<string, Digester>();

  constructor(private readonly capacity = 1024) {}

  /** The digester positioned at `offset`, a fresh one at offset 0, or `undefined`. */
  take(uploadId: string, offset: number): Digester | undefined {
    const entry = this.entries.get(uploadId);
    this.entries.delete(uploadId);
    if (entry && entry.size === offset) return entry;
    return offset === 0 ? new Digester('sha256') : undefined;
  }

  /** Keeps a digester that has consumed exactly the upload's bytes. */
  keep(uploadId: string, digester: Digester): void {
    this.entries.set(uploadId, digester);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  forget(uploadId: string): void {
    this.entries.delete(uploadId);
  }
}
