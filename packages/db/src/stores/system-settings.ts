import type { DataSource } from 'typeorm';

/**
 * Port: operator settings that outlive a process (the GC schedule, the upload purge policy), as
 * JSON values under stable keys. Readers validate what they read: a value written by an older
 * version may lack fields.
 */
export abstract class SystemSettings {
  /** The stored value, or `undefined` when never set. */
  abstract get(key: string): Promise<unknown>;
  /** Replaces the value under `key`. */
  abstract put(key: string, value: unknown): Promise<void>;
}

export class TypeormSystemSettings extends SystemSettings {
  constructor(private readonly db: DataSource) {
    super();
  }

  async get(key: string): Promise<unknown> {
    const rows: { value: unknown }[] = await this.db.query(
      `SELECT value FROM system_settings WHERE key = $1`,
      [key],
    );
    return rows[0]?.value;
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO system_settings (key, value) VALUES ($1, $2::jsonb)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [key, JSON.stringify(value)],
    );
  }
}
