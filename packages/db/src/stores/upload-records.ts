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
  /**
   * Ids of sessions with no activity (creation or `touch`) since `olderThan`, in id order after
   * `afterId`, at most `limit`: what the upload purge considers abandoned.
   */
  abstract abandoned(olderThan: Date, limit: number, afterId?: string): Promise<string[]>;
  /**
   * Those of `ids` that have a session. A string that is not a session id (not a UUID) has none,
   * so an upload directory named by it is an orphan.
   */
  abstract existing(ids: readonly string[]): Promise<string[]>;
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

  async abandoned(olderThan: Date, limit: number, afterId?: string): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id::text AS id FROM upload_sessions
       WHERE updated_at < $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [olderThan, afterId ?? null, limit],
    );
    return rows.map((row) => row.id);
  }

  async existing(ids: readonly string[]): Promise<string[]> {
    const candidates = ids.filter((id) => SESSION_ID.test(id));
    if (candidates.length === 0) return [];
    const rows: { id: string }[] = await this.db.query(
      `SELECT id::text AS id FROM upload_sessions WHERE id = ANY($1::uuid[])`,
      [candidates],
    );
    // PostgreSQL prints UUIDs in lower case; answer in the caller's spelling.
    const found = new Set(rows.map((row) => row.id));
    return candidates.filter((id) => found.has(id.toLowerCase()));
  }
}
