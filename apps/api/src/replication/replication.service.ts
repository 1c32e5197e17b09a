import { Injectable } from '@nestjs/common';
import { isCronPattern } from '@berth/config';
import {
  ReplicationExecutionRecords,
  ReplicationPolicyRecords,
  type ReplicationPolicyFields,
  type ReplicationTriggerType,
} from '@berth/db';
import { conflict, invalid, notFound } from '../admin/admin.errors.js';
import { AuditTrail } from '../admin/audit.trail.js';
import {
  objectBody,
  optionalBoolean,
  optionalInteger,
  optionalString,
  requiredString,
  type JsonObject,
} from '../admin/body.validation.js';
import { actorName, type Caller } from '../admin/caller.resolver.js';
import { PagedResult, parsePaging } from '../admin/paging.js';
import { requireSystemAdmin } from '../admin/project.access.js';
import { ReplicationJobs } from './replication-jobs.js';
import { executionView, policyView, taskView } from './replication.views.js';

const NAME = { max: 128, pattern: /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, patternHint: 'letters, digits, . _ -' };
const NAMESPACE = {
  max: 255,
  pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
  patternHint: 'a repository path component',
};
const GLOB = {
  max: 512,
  pattern: /^[A-Za-z0-9._\-/*?{},]+$/,
  patternHint: 'a glob of name characters, * ** ? {a,b}',
};
const TRIGGERS: readonly ReplicationTriggerType[] = ['manual', 'scheduled', 'event'];

/** Replication policies and executions, system administrators only. */
@Injectable()
export class ReplicationService {
  constructor(
    private readonly policies: ReplicationPolicyRecords,
    private readonly executions: ReplicationExecutionRecords,
    private readonly jobs: ReplicationJobs,
    private readonly audit: AuditTrail,
  ) {}

  async createPolicy(caller: Caller, body: unknown) {
    requireSystemAdmin(caller);
    const policy = await this.policies.create(parsePolicy(objectBody(body)));
    await this.audit.record(caller, 'replication.policy.create', `replication-policy:${policy.id}`, {
      name: policy.name,
      mode: policy.mode,
      registryId: policy.registryId,
    });
    return policyView(policy);
  }

  async listPolicies(caller: Caller, query: Record<string, unknown>) {
    requireSystemAdmin(caller);
    const { page, pageSize } = parsePaging(query);
    const result = await this.policies.list({ page, pageSize });
    return new PagedResult(result.items.map(policyView), result.total, { page, pageSize });
  }

  async getPolicy(caller: Caller, id: string) {
    requireSystemAdmin(caller);
    const policy = await this.policies.get(id);
    if (!policy) throw notFound(`policy ${id.slice(0, 32)} not found`);
    return policyView(policy);
  }

  async replacePolicy(caller: Caller, id: string, body: unknown) {
    requireSystemAdmin(caller);
    const policy = await this.policies.replace(id, parsePolicy(objectBody(body)));
    if (!policy) throw notFound(`policy ${id.slice(0, 32)} not found`);
    await this.audit.record(caller, 'replication.policy.update', `replication-policy:${id}`, {
      name: policy.name,
    });
    return policyView(policy);
  }

  async deletePolicy(caller: Caller, id: string): Promise<void> {
    requireSystemAdmin(caller);
    if (!(await this.policies.delete(id))) throw notFound(`policy ${id.slice(0, 32)} not found`);
    await this.audit.record(caller, 'replication.policy.delete', `replication-policy:${id}`);
  }

  /** A manual execution: a pending row, then its job (the worker re-enqueues it if Redis is away). */
  async startExecution(caller: Caller, body: unknown) {
    requireSystemAdmin(caller);
    const policyId = requiredString(objectBody(body), 'policyId', { max: 19, pattern: /^[1-9][0-9]*$/ });
    const policy = await this.policies.get(policyId);
    if (!policy) throw invalid('policyId', 'names no policy');
    if (!policy.enabled) throw conflict(`policy ${policy.name} is disabled`);
    const execution = await this.executions.create(policy.id, 'manual', actorName(caller));
    await this.audit.record(caller, 'replication.execution.start', `replication-execution:${execution.id}`, {
      policyId: policy.id,
    });
    const queued = await this.jobs.enqueueExecution(execution.id);
    return { id: execution.id, queued };
  }

  async listExecutions(caller: Caller, query: Record<string, unknown>) {
    requireSystemAdmin(caller);
    const { page, pageSize } = parsePaging(query);
    const policyId = typeof query.policyId === 'string' && query.policyId !== '' ? query.policyId : undefined;
    const result = await this.executions.list({
      page,
      pageSize,
      ...(policyId !== undefined && { policyId }),
    });
    return new PagedResult(result.items.map(executionView), result.total, { page, pageSize });
  }

  async getExecution(caller: Caller, id: string) {
    requireSystemAdmin(caller);
    const execution = await this.executions.get(id);
    if (!execution) throw notFound(`execution ${id.slice(0, 32)} not found`);
    return executionView(execution);
  }

  async listTasks(caller: Caller, id: string, query: Record<string, unknown>) {
    requireSystemAdmin(caller);
    if (!(await this.executions.get(id))) throw notFound(`execution ${id.slice(0, 32)} not found`);
    const { page, pageSize } = parsePaging(query);
    const result = await this.executions.tasks(id, { page, pageSize });
    return new PagedResult(result.items.map(taskView), result.total, { page, pageSize });
  }

  async stopExecution(caller: Caller, id: string) {
    requireSystemAdmin(caller);
    const stop = await this.executions.requestStop(id);
    if (!stop) throw notFound(`execution ${id.slice(0, 32)} not found`);
    if (!stop.accepted) throw conflict(`execution ${id} already ${stop.execution.status}`);
    await this.audit.record(caller, 'replication.execution.stop', `replication-execution:${id}`);
    return executionView(stop.execution);
  }
}

function parsePolicy(fields: JsonObject): ReplicationPolicyFields {
  const mode = fields.mode;
  if (mode !== 'push' && mode !== 'pull') throw invalid('mode', 'must be push or pull');
  const registryId = fields.registryId;
  const registry = typeof registryId === 'number' ? String(registryId) : registryId;
  if (typeof registry !== 'string' || !/^[1-9][0-9]{0,18}$/.test(registry)) {
    throw invalid('registryId', 'must be a registry id');
  }
  const filters =
    fields.filters === undefined || fields.filters === null ? {} : objectOf(fields.filters, 'filters');
  const trigger =
    fields.trigger === undefined || fields.trigger === null ? {} : objectOf(fields.trigger, 'trigger');
  const triggerType = (trigger.type ?? 'manual') as ReplicationTriggerType;
  if (!TRIGGERS.includes(triggerType)) throw invalid('trigger.type', `must be one of ${TRIGGERS.join(', ')}`);
  const cron = optionalString(trigger, 'cron', { max: 128 }) ?? null;
  if (cron !== null && !isCronPattern(cron)) throw invalid('trigger.cron', 'must be a 5-field cron pattern');
  if (triggerType === 'scheduled' && cron === null)
    throw invalid('trigger.cron', 'is required for scheduled');
  return {
    name: requiredString(fields, 'name', NAME),
    mode,
    registryId: registry,
    sourceNamespace: optionalString(fields, 'sourceNamespace', NAMESPACE) ?? null,
    destinationNamespace: optionalString(fields, 'destinationNamespace', NAMESPACE) ?? null,
    filters: {
      repository: optionalString(filters, 'repository', GLOB) ?? null,
      tag: optionalString(filters, 'tag', GLOB) ?? null,
    },
    trigger: { type: triggerType, cron },
    override: optionalBoolean(fields, 'override') ?? true,
    enabled: optionalBoolean(fields, 'enabled') ?? true,
    maxAttempts: optionalInteger(fields, 'maxAttempts', { min: 1, max: 10 }) ?? 3,
  };
}

function objectOf(value: unknown, field: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(field, 'must be an object');
  return value as JsonObject;
}
