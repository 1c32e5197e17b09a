import type { DataSource } from 'typeorm';
import { ConflictError } from '../access/errors.js';
import { fetchPage, pageWindow, type Page, type PageQuery } from '../access/listing.js';
import { FOREIGN_KEY_VIOLATION, pgErrorCode, UNIQUE_VIOLATION } from '../access/pg-errors.js';
import { isRecordId } from '../access/statements.js';
import type { CredentialCipher } from './credential-cipher.js';

export const REGISTRY_TYPES = ['oci', 'berth', 'docker-hub'] as const;
export type RegistryType = (typeof REGISTRY_TYPES)[number];

/** A remote registry as everyone may see it: whether a password is stored, never the password. */
export interface RegistryRecord {
  id: string;
  name: string;
  type: RegistryType;
  url: string;
  username: string | null;
  hasPassword: boolean;
  insecure: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewRegistry {
  name: string;
  type: RegistryType;
  url: string;
  username?: string | null;
  password?: string | null;
  insecure?: boolean;
}

/** Fields to change; `password: null` removes it, an absent field keeps it. */
export type RegistryChanges = Partial<NewRegistry>;

/** The decrypted credentials, for the worker's client only. Never logged nor returned by the API. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

export class RegistryInUseError extends ConflictError {}

/**
 * Port: remote registries. The password is encrypted before it reaches SQL and decrypted only
 * by `credentials`; every other read reports `hasPassword`.
 */
export abstract class RegistryRecords {
  /** Throws `ConflictError` for a name in use. */
  abstract create(registry: NewRegistry): Promise<RegistryRecord>;
  abstract get(id: string): Promise<RegistryRecord | undefined>;
  abstract list(query: Pick<PageQuery, 'page' | 'pageSize'>): Promise<Page<RegistryRecord>>;
  /** `undefined` when there is no such registry; `ConflictError` for a name in use. */
  abstract update(id: string, changes: RegistryChanges): Promise<RegistryRecord | undefined>;
  /** `false` when there was none; `RegistryInUseError` while a policy uses it. */
  abstract delete(id: string): Promise<boolean>;
  /** Username and decrypted password; `undefined` when either is missing (anonymous access). */
  abstract credentials(id: string): Promise<RegistryCredentials | undefined>;
}

interface RegistryRow {
  id: string;
  name: string;
  type: RegistryType;
  url: string;
  username: string | null;
  password_encrypted: string | null;
  insecure: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, type, url, username, password_encrypted, insecure, created_at, updated_at';

function registryOf(row: RegistryRow): RegistryRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    url: row.url,
    username: row.username,
    hasPassword: row.password_encrypted !== null,
    insecure: row.insecure,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class TypeormRegistryRecords extends RegistryRecords {
  constructor(
    private readonly db: DataSource,
    private readonly cipher: CredentialCipher,
  ) {
    super();
  }

  async create(registry: NewRegistry): Promise<RegistryRecord> {
    const rows = await this.named(registry.name, () =>
      this.db.query(
        `INSERT INTO registries (name, type, url, username, password_encrypted, insecure)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [
          registry.name,
          registry.type,
          registry.url,
          registry.username ?? null,
          this.seal(registry.password),
          registry.insecure ?? false,
        ],
      ),
    );
    return registryOf(rows[0]!);
  }

  async get(id: string): Promise<RegistryRecord | undefined> {
    const row = await this.row(id);
    return row && registryOf(row);
  }

  async list(query: Pick<PageQuery, 'page' | 'pageSize'>): Promise<Page<RegistryRecord>> {
    const { rows, total } = await fetchPage<RegistryRow>(
      this.db,
      { select: COLUMNS, from: 'FROM registries', order: 'id', params: [] },
      pageWindow(query),
    );
    return { items: rows.map(registryOf), total };
  }

  async update(id: string, changes: RegistryChanges): Promise<RegistryRecord | undefined> {
    if (!isRecordId(id)) return undefined;
    const sets: string[] = [];
    const params: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (changes.name !== undefined) set('name', changes.name);
    if (changes.type !== undefined) set('type', changes.type);
    if (changes.url !== undefined) set('url', changes.url);
    if (changes.username !== undefined) set('username', changes.username);
    if (changes.password !== undefined) set('password_encrypted', this.seal(changes.password));
    if (changes.insecure !== undefined) set('insecure', changes.insecure);
    const rows = await this.named(changes.name ?? '', () =>
      this.db.query(
        `WITH changed AS (
           UPDATE registries SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING ${COLUMNS}
         ) SELECT * FROM changed`,
        params,
      ),
    );
    return rows[0] && registryOf(rows[0]);
  }

  async delete(id: string): Promise<boolean> {
    if (!isRecordId(id)) return false;
    try {
      const rows: { id: string }[] = await this.db.query(
        `WITH gone AS (DELETE FROM registries WHERE id = $1 RETURNING id) SELECT * FROM gone`,
        [id],
      );
      return rows.length > 0;
    } catch (error) {
      if (pgErrorCode(error) === FOREIGN_KEY_VIOLATION) {
        throw new RegistryInUseError(`registry ${id} is used by a replication policy`);
      }
      throw error;
    }
  }

  async credentials(id: string): Promise<RegistryCredentials | undefined> {
    const row = await this.row(id);
    if (!row || row.username === null || row.password_encrypted === null) return undefined;
    return { username: row.username, password: this.cipher.decrypt(row.password_encrypted) };
  }

  private async row(id: string): Promise<RegistryRow | undefined> {
    if (!isRecordId(id)) return undefined;
    const rows: RegistryRow[] = await this.db.query(`SELECT ${COLUMNS} FROM registries WHERE id = $1`, [id]);
    return rows[0];
  }

  private seal(password: string | null | undefined): string | null {
    return password === undefined || password === null || password === ''
      ? null
      : this.cipher.encrypt(password);
  }

  private async named(name: string, statement: () => Promise<RegistryRow[]>): Promise<RegistryRow[]> {
    try {
      return await statement();
    } catch (error) {
      if (pgErrorCode(error) === UNIQUE_VIOLATION) throw new ConflictError(`registry ${name} already exists`);
      throw error;
    }
  }
}
