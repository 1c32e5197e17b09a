import type {
  RegistryRecord,
  ReplicationExecutionRecord,
  ReplicationPolicyRecord,
  ReplicationTaskRecord,
} from '@berth/db';

/** A remote registry in API answers: `hasPassword`, never the password. */
export function registryView(registry: RegistryRecord) {
  return {
    id: registry.id,
    name: registry.name,
    type: registry.type,
    url: registry.url,
    username: registry.username,
    hasPassword: registry.hasPassword,
    insecure: registry.insecure,
    createdAt: registry.createdAt.toISOString(),
    updatedAt: registry.updatedAt.toISOString(),
  };
}

export function policyView(policy: ReplicationPolicyRecord) {
  return {
    ...policy,
    createdAt: policy.createdAt.toISOString(),
    updatedAt: policy.updatedAt.toISOString(),
  };
}

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

export function executionView(execution: ReplicationExecutionRecord) {
  return {
    ...execution,
    createdAt: execution.createdAt.toISOString(),
    startedAt: iso(execution.startedAt),
    finishedAt: iso(execution.finishedAt),
  };
}

export function taskView(task: ReplicationTaskRecord) {
  return {
    ...task,
    log: task.log === '' ? [] : task.log.split('\n'),
    createdAt: task.createdAt.toISOString(),
    startedAt: iso(task.startedAt),
    finishedAt: iso(task.finishedAt),
  };
}
