// The replication admin endpoints as the replication specs use them: remote registries,
// policies, executions followed to their end, and their tasks.
import { expect } from '@jest/globals';
import type { RegistryUnderTest } from '@berth/testing';
import { adminJson } from './gc-client.js';

export const EXECUTION_ENDED = ['succeeded', 'failed', 'stopped'];
const TASK_ENDED = ['succeeded', 'failed', 'skipped', 'stopped'];

export interface Execution {
  id: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'stopped';
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  stopped: number;
  inProgress: number;
  error: string | null;
}

export interface Task {
  id: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'stopped';
  sourceRepository: string;
  sourceReference: string;
  destinationRepository: string;
  destinationReference: string;
  digest: string | null;
  attempts: number;
  log: string[];
  error: string | null;
}

export async function createRemote(
  registry: RegistryUnderTest,
  body: { name: string; type: 'oci' | 'berth'; url: string; username?: string; password?: string },
): Promise<string> {
  const response = await adminJson(registry, 'POST', '/api/v1/registries', body);
  expect(response.status).toBe(201);
  return String(response.body.id);
}

export async function createPolicy(
  registry: RegistryUnderTest,
  body: Record<string, unknown>,
): Promise<string> {
  const response = await adminJson(registry, 'POST', '/api/v1/replication/policies', {
    trigger: { type: 'manual' },
    ...body,
  });
  expect(response.status).toBe(201);
  return String(response.body.id);
}

export async function startExecution(registry: RegistryUnderTest, policyId: string): Promise<string> {
  const started = await adminJson(registry, 'POST', '/api/v1/replication/executions', { policyId });
  expect(started.status).toBe(201);
  return String(started.body.id);
}

export async function getExecution(registry: RegistryUnderTest, id: string): Promise<Execution> {
  const response = await adminJson(registry, 'GET', `/api/v1/replication/executions/${id}`);
  expect(response.status).toBe(200);
  return response.body as Execution;
}

export async function executionTasks(registry: RegistryUnderTest, id: string): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let page = 1; ; page += 1) {
    const { status, body } = await adminJson(
      registry,
      'GET',
      `/api/v1/replication/executions/${id}/tasks?pageSize=100&page=${page}`,
    );
    expect(status).toBe(200);
    const items = (Array.isArray(body) ? body : body.items) as Task[];
    tasks.push(...items);
    if (items.length < 100) return tasks;
  }
}

/** Polls the execution until `until` holds (default: it ended). */
export async function waitForExecution(
  registry: RegistryUnderTest,
  id: string,
  until: (execution: Execution) => boolean = (execution) => EXECUTION_ENDED.includes(execution.status),
  timeoutMs = 60_000,
): Promise<Execution> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await getExecution(registry, id);
    if (until(execution)) return execution;
    if (Date.now() > deadline) {
      const open = (await executionTasks(registry, id)).filter((task) => !TASK_ENDED.includes(task.status));
      const workers = registry.api?.worker?.output() ?? '';
      throw new Error(
        `execution ${id} still ${JSON.stringify(execution)}; open tasks ${JSON.stringify(open)}\n${workers.slice(-4000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts an execution of `policyId` and follows it to its end; returns it with its tasks. */
export async function runExecution(
  registry: RegistryUnderTest,
  policyId: string,
  timeoutMs?: number,
): Promise<{ execution: Execution; tasks: Task[] }> {
  const id = await startExecution(registry, policyId);
  const execution = await waitForExecution(registry, id, undefined, timeoutMs);
  return { execution, tasks: await executionTasks(registry, id) };
}
