import { Injectable } from '@nestjs/common';
import {
  ReplicationExecutionRecords,
  ReplicationPolicyRecords,
  type ReplicationPolicyRecord,
} from '@berth/db';
import { conflict, invalid, notFound } from '../admin/admin.errors.js';
import { AuditTrail } from '../admin/audit.trail.js';
import { objectBody, requiredString } from '../admin/body.validation.js';
import { actorName, type Caller } from '../admin/caller.resolver.js';
import { PagedResult, parsePaging } from '../admin/paging.js';
import { requireSystemAdmin } from '../admin/project.access.js';
import { ReplicationEventTrigger } from './replication-event.trigger.js';
import { ReplicationJobs } from './replication-jobs.js';
import { parsePolicy } from './replication-policy.body.js';
import { executionView, policyView, taskView } from './replication.views.js';

/** Replication policies and executions, system administrators only. */
@Injectable()
export class ReplicationService {
  constructor(
    private readonly policies: ReplicationPolicyRecords,
    private readonly executions: ReplicationExecutionRecords,
    private readonly jobs: ReplicationJobs,
    private readonly audit: AuditTrail,
    private readonly eventTrigger: ReplicationEventTrigger,
  ) {}

  async createPolicy(caller: Caller, body: unknown) {
    requireSystemAdmin(caller);
    const policy = await this.policies.create(parsePolicy(objectBody(body)));
    await this.audit.record(caller, 'replication.policy.create', `replication-policy:${policy.id}`, {
      name: policy.name,
      mode: policy.mode,
      registryId: policy.registryId,
      trigger: policy.trigger.type,
    });
    await this.policyChanged(policy.id, policy);
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
      trigger: policy.trigger.type,
      enabled: policy.enabled,
    });
    await this.policyChanged(id, policy);
    return policyView(policy);
  }

  async deletePolicy(caller: Caller, id: string): Promise<void> {
    requireSystemAdmin(caller);
    if (!(await this.policies.delete(id))) throw notFound(`policy ${id.slice(0, 32)} not found`);
    await this.audit.record(caller, 'replication.policy.delete', `replication-policy:${id}`);
    await this.policyChanged(id, undefined);
  }

  /**
   * Triggers follow a policy change at once in this process: its schedule (best effort; the
   * worker's reconciler re-syncs every schedule) and the cached event policies.
   */
  private async policyChanged(id: string, policy: ReplicationPolicyRecord | undefined): Promise<void> {
    this.eventTrigger.invalidate();
    await this.jobs.syncSchedule(id, policy);
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
