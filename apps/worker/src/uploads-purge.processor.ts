import { Logger } from '@nestjs/common';
import type { UploadRecords } from '@berth/db';
import { purgeUploads } from '@berth/registry';
import type { StorageDriver } from '@berth/storage';

/** `uploads.purge`: removes upload sessions idle for longer than the configured age, with their bytes. */
export class UploadsPurgeProcessor {
  private readonly logger = new Logger('uploads');

  constructor(
    private readonly uploads: UploadRecords,
    private readonly storage: StorageDriver,
    private readonly maxAgeSeconds: number,
  ) {}

  async run(): Promise<void> {
    const report = await purgeUploads(
      { uploads: this.uploads, storage: this.storage },
      { maxAgeSeconds: this.maxAgeSeconds },
      { log: (line) => this.logger.debug(line) },
    );
    this.logger.log({ message: 'upload purge finished', ...report, maxAgeSeconds: this.maxAgeSeconds });
  }
}
