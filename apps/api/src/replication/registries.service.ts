import { Injectable } from '@nestjs/common';
import { RegistryClient, RegistryClientError } from '@berth/client';
import { REGISTRY_TYPES, RegistryRecords, type NewRegistry, type RegistryChanges } from '@berth/db';
import { invalid, notFound } from '../admin/admin.errors.js';
import { AuditTrail } from '../admin/audit.trail.js';
import { objectBody, optionalBoolean, optionalString, requiredString } from '../admin/body.validation.js';
import type { Caller } from '../admin/caller.resolver.js';
import { PagedResult, parsePaging } from '../admin/paging.js';
import { requireSystemAdmin } from '../admin/project.access.js';
import { registryView } from './replication.views.js';

const NAME = { max: 128, pattern: /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, patternHint: 'letters, digits, . _ -' };

/** Remote registries for replication, system administrators only. Passwords go in, never out. */
@Injectable()
export class RegistriesService {
  constructor(
    private readonly registries: RegistryRecords,
    private readonly audit: AuditTrail,
  ) {}

  async create(caller: Caller, body: unknown) {
    requireSystemAdmin(caller);
    const fields = objectBody(body);
    const registry: NewRegistry = {
      name: requiredString(fields, 'name', NAME),
      type: registryType(fields.type, true)!,
      url: registryUrl(
        requiredString(fields, 'url', { max: 2048 }),
        optionalBoolean(fields, 'insecure') ?? false,
      ),
      username: optionalString(fields, 'username', { max: 255 }) ?? null,
      password: optionalString(fields, 'password', { max: 4096 }) ?? null,
      insecure: optionalBoolean(fields, 'insecure') ?? false,
    };
    const created = await this.registries.create(registry);
    await this.audit.record(caller, 'registry.create', `registry:${created.id}`, {
      name: created.name,
      url: created.url,
    });
    return registryView(created);
  }

  async list(caller: Caller, query: Record<string, unknown>) {
    requireSystemAdmin(caller);
    const { page, pageSize } = parsePaging(query);
    const result = await this.registries.list({ page, pageSize });
    return new PagedResult(result.items.map(registryView), result.total, { page, pageSize });
  }

  async get(caller: Caller, id: string) {
    requireSystemAdmin(caller);
    return registryView(await this.find(id));
  }

  async update(caller: Caller, id: string, body: unknown) {
    requireSystemAdmin(caller);
    const fields = objectBody(body);
    const current = await this.find(id);
    const changes: RegistryChanges = {};
    const name = optionalString(fields, 'name', NAME);
    if (name !== undefined) changes.name = name;
    const type = registryType(fields.type, false);
    if (type !== undefined) changes.type = type;
    const insecure = optionalBoolean(fields, 'insecure');
    if (insecure !== undefined) changes.insecure = insecure;
    const url = optionalString(fields, 'url', { max: 2048 });
    if (url !== undefined) changes.url = registryUrl(url, insecure ?? current.insecure);
    if ('username' in fields) changes.username = optionalString(fields, 'username', { max: 255 }) ?? null;
    if ('password' in fields) changes.password = optionalString(fields, 'password', { max: 4096 }) ?? null;
    const updated = await this.registries.update(id, changes);
    if (!updated) throw notFound(`registry ${id.slice(0, 32)} not found`);
    await this.audit.record(caller, 'registry.update', `registry:${id}`, {
      fields: Object.keys(changes).filter((key) => key !== 'password'),
      passwordChanged: 'password' in changes,
    });
    return registryView(updated);
  }

  async delete(caller: Caller, id: string): Promise<void> {
    requireSystemAdmin(caller);
    if (!(await this.registries.delete(id))) throw notFound(`registry ${id.slice(0, 32)} not found`);
    await this.audit.record(caller, 'registry.delete', `registry:${id}`);
  }

  /** Reachability and whether the stored credentials work: `GET /v2/` with the client's auth flow. */
  async ping(caller: Caller, id: string) {
    requireSystemAdmin(caller);
    const registry = await this.find(id);
    const credentials = await this.registries.credentials(id);
    const client = new RegistryClient({
      url: registry.url,
      insecure: registry.insecure,
      timeoutMs: 10_000,
      retry: { attempts: 1 },
      ...(credentials && { credentials }),
    });
    try {
      await client.ping();
      return { reachable: true, authenticated: true };
    } catch (error) {
      if (!(error instanceof RegistryClientError)) throw error;
      const reachable = error.status !== 0;
      return {
        reachable,
        authenticated: false,
        status: error.status,
        code: error.code,
        message: error.status === 401 ? 'the registry refused the credentials' : error.message,
      };
    }
  }

  private async find(id: string) {
    const registry = await this.registries.get(id);
    if (!registry) throw notFound(`registry ${id.slice(0, 32)} not found`);
    return registry;
  }
}

function registryType(value: unknown, required: boolean): NewRegistry['type'] | undefined {
  if (value === undefined || value === null) {
    if (required) throw invalid('type', `is required (${REGISTRY_TYPES.join(', ')})`);
    return undefined;
  }
  if (typeof value !== 'string' || !(REGISTRY_TYPES as readonly string[]).includes(value)) {
    throw invalid('type', `must be one of ${REGISTRY_TYPES.join(', ')}`);
  }
  return value as NewRegistry['type'];
}

function registryUrl(raw: string, insecure: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url', 'must be an http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('url', 'must be an http(s) URL');
  if (url.username !== '' || url.password !== '') throw invalid('url', 'must not contain credentials');
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && !insecure && !loopback) {
    throw invalid('url', 'must be https unless insecure is true');
  }
  return url.toString().replace(/\/$/, '');
}
