import type { FileHandle } from 'node:fs/promises';
import { BaseFileWriter } from './base-writer.js';

/** A `FileWriter` over an open file handle; the driver supplies how to remove the object. */
export class FilesystemWriter extends BaseFileWriter {
  constructor(
    path: string,
    private readonly handle: FileHandle,
    initialSize: number,
    private readonly remove: () => Promise<void>,
  ) {
    super(path, initialSize);
  }

  protected override async append(chunk: Buffer): Promise<void> {
    // write(2) may accept fewer bytes than asked (full disk, signals): loop until all are in.
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  }

  protected override async persist(): Promise<void> {
    await this.handle.sync();
  }

  protected override async release(): Promise<void> {
    await this.handle.close();
  }

  protected override async discard(): Promise<void> {
    await this.remove();
  }
}
