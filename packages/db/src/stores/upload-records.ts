import type { DataSource } from 'typeorm';

export interface UploadRecord {
  id: string;
  repositoryId: string;
  /** Bytes accepted so far. */
  size: number;
  createdAt: Date;
}

/** Port: upload sessions, shared by every api replica. */
export abstract class UploadRecords {
  abstract create(id: string, repositoryId: string): Promise<void>;
  /** The session, only when it belongs to the named repository. */
  abstract find(id: string, repository: string): Promise<UploadRecord | undefined>;
  /**
   * Records the size reached and the time of activity (abandoned sessions are purged by age).
   * Storage holds the bytes and is the truth for the size; this copy serves listings.
   */
  abstract touch(id: string, size: number): Promise<void>;
  abstract delete(id: string): Promise<void>;
}

export class TypeormUploadRecords extends UploadRecords {
  constructor(private readonly db: DataSource) {
    super();
  }

  async create(id: string, repositoryId: string): Promise<void> {
    await this.db.query(`INSERT INTO upload_sessions (id, repository_id) VALUES ($1, $2)`, [
      id,
      repositoryId,
    ]);
  }

  async find(id: string, repository: string): Promise<UploadRecord | undefined> {
    const rows: { id: string; repository_id: string; size: string; created_at: Date }[] = await this.db.query(
      `SELECT u.id, u.repository_id, u.size, u.created_at FROM upload_sessions u
       JOIN repositories r ON r.id = u.repository_id WHERE u.id = $1 AND r.name = $2`,
      [id, repository],
    );
    const row = rows[0];
    return (
      row && {
        id: row.id,
        repositoryId: row.repository_id,
        size: Number(row.size),
        createdAt: row.created_at,
      }
    );
  }

  async touch(id: string, size: number): Promise<void> {
    await this.db.query(`UPDATE upload_sessions SET size = $2, updated_at = now() WHERE id = $1`, [id, size]);
  }

  async delete(id: string): Promise<void> {
    await this.db.query(`DELETE FROM upload_sessions WHERE id = $1`, [id]);
  }
}
