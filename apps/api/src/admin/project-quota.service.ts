import { Injectable } from '@nestjs/common';
import { ProjectRecords, QuotaRecords } from '@berth/db';
import { forbidden, invalid, notFound } from './admin.errors.js';
import { AuditTrail } from './audit.trail.js';
import { objectBody, type JsonObject } from './body.validation.js';
import type { Caller } from './caller.resolver.js';
import { isSystemAdmin, ProjectAccess } from './project.access.js';

/** The API's "no limit" (Harbor's convention); the store keeps `null`. */
export const UNLIMITED = -1;

export interface ProjectQuotaView {
  /** Bytes, or -1 for no limit. */
  storageLimitBytes: number;
  /** Bytes the project's manifests hold now: each blob once, manifests included. */
  storageUsedBytes: number;
}

/**
 * `storageLimitBytes` of a body: `undefined` when absent, `null` (no limit) for -1 or null,
 * else a whole number of bytes.
 */
export function readStorageLimit(input: JsonObject): number | null | undefined {
  const value = input.storageLimitBytes;
  if (value === undefined) return undefined;
  if (value === null || value === UNLIMITED) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(
      'storageLimitBytes',
      `must be -1 (no limit) or a whole number of bytes up to ${Number.MAX_SAFE_INTEGER}`,
    );
  }
  return value;
}

const LIMIT_CHANGE_DENIED = 'only a system administrator may change the storage limit of a project';

export function storageLimitView(limit: number | null): number {
  return limit ?? UNLIMITED;
}

/**
 * Only a system administrator changes a limit (as in Harbor): a project admin could otherwise
 * lift the quota an operator set. Sending the current value back (a GET body round trip) is
 * not a change.
 */
export function assertMayChangeLimit(caller: Caller, current: number | null, next: number | null): void {
  if (current !== next && !isSystemAdmin(caller)) {
    throw forbidden(LIMIT_CHANGE_DENIED);
  }
}

/** `GET|PUT /api/v1/projects/{project}/quota`: read with `read`, change as a system administrator. */
@Injectable()
export class ProjectQuotaService {
  constructor(
    private readonly projects: ProjectRecords,
    private readonly quota: QuotaRecords,
    private readonly access: ProjectAccess,
    private readonly audit: AuditTrail,
  ) {}

  async get(caller: Caller, name: string): Promise<ProjectQuotaView> {
    const project = await this.access.require(caller, name, 'read');
    return {
      storageLimitBytes: storageLimitView(project.storageLimitBytes),
      storageUsedBytes: await this.quota.usedBytes(name),
    };
  }

  async set(caller: Caller, name: string, body: unknown): Promise<ProjectQuotaView> {
    const limit = readStorageLimit(objectBody(body));
    if (limit === undefined) throw invalid('storageLimitBytes', 'is required');
    // Members learn it is not theirs to change (403); anyone else that it does not exist (404).
    await this.access.require(caller, name, 'read');
    if (!isSystemAdmin(caller)) throw forbidden(LIMIT_CHANGE_DENIED);
    if (!(await this.projects.setStorageLimit(name, limit))) throw notFound(`project ${name} not found`);
    await this.audit.record(caller, 'project.update', `project:${name}`, { storageLimitBytes: limit });
    return this.get(caller, name);
  }
}
