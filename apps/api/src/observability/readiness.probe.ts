import { randomBytes } from 'node:crypto';
import type { DataSource } from '@berth/db';
import { probeRedis } from '@berth/jobs';
import type { StorageDriver } from '@berth/storage';
import { readinessOf, runCheck, type ReadinessReport } from './readiness.js';

/** Where the storage check writes its probe objects; no registry path lives there. */
export const STORAGE_PROBE_DIR = '/_health';

export interface ReadinessSettings {
  redisUrl: string;
  /** Each check fails after this long (default 2 s). */
  timeoutMs?: number;
}

/**
 * The api's readiness: PostgreSQL (`SELECT 1`), storage (a tiny object written and deleted under
 * `/_health`, which proves the driver can take pushes) and Redis (PING on a fresh connection).
 * The checks run in parallel, each with a timeout. Redis is optional: the registry serves
 * without it, so its absence makes the answer `degraded`, not `unavailable`.
 */
export class ReadinessProbe {
  constructor(
    private readonly db: DataSource,
    private readonly storage: StorageDriver,
    private readonly settings: ReadinessSettings,
  ) {}

  async check(): Promise<ReadinessReport> {
    const timeoutMs = this.settings.timeoutMs ?? 2_000;
    const [database, storage, redis] = await Promise.all([
      runCheck(() => this.db.query('SELECT 1'), timeoutMs),
      runCheck(() => this.probeStorage(), timeoutMs),
      runCheck(() => this.probeRedis(timeoutMs), timeoutMs),
    ]);
    return readinessOf({ database, storage, redis }, ['redis']);
  }

  private async probeStorage(): Promise<void> {
    const path = `${STORAGE_PROBE_DIR}/probe-${process.pid}-${randomBytes(6).toString('hex')}`;
    await this.storage.putContent(path, Buffer.from('ok'));
    await this.storage.delete(path);
  }

  private async probeRedis(timeoutMs: number): Promise<void> {
    const result = await probeRedis(this.settings.redisUrl, timeoutMs);
    if (!result.ok) throw new Error(result.reason);
  }
}
