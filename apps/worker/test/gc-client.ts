// The GC admin endpoints, as the worker specs use them: start a run, follow it to its end.
import { expect } from '@jest/globals';
import { basicHeader, type RegistryUnderTest } from '@berth/testing';

export interface GcRun {
  id: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'stopped';
  trigger: 'manual' | 'schedule';
  dryRun: boolean;
  manifestsDeleted: number;
  blobsDeleted: number;
  bytesFreed: number;
  attempts: number;
  durationMs: number | null;
  progress: { blobsDeleted?: number } | null;
  log: string[];
  report: {
    manifests: { repository: string; digest: string }[];
    blobs: { digest: string; size: number }[];
  } | null;
  error: string | null;
}

export const FINISHED = ['succeeded', 'failed', 'stopped'];

export async function adminJson(
  registry: RegistryUnderTest,
  method: string,
  path: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are asserted, not typed
): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${registry.url}${path}`, {
    method,
    headers: {
      authorization: basicHeader(registry.credentials!),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

export async function startGc(registry: RegistryUnderTest, body: Record<string, unknown>): Promise<string> {
  const response = await adminJson(registry, 'POST', '/api/v1/system/gc', body);
  expect(response.status).toBe(201);
  return response.body.id as string;
}

export async function getGc(registry: RegistryUnderTest, id: string): Promise<GcRun> {
  const response = await adminJson(registry, 'GET', `/api/v1/system/gc/${id}`);
  expect(response.status).toBe(200);
  return response.body as GcRun;
}

/** Polls the run until `until` holds; returns it with every status seen on the way. */
export async function follow(
  registry: RegistryUnderTest,
  id: string,
  until: (run: GcRun) => boolean = (run) => FINISHED.includes(run.status),
  timeoutMs = 90_000,
): Promise<{ run: GcRun; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await getGc(registry, id);
    if (seen.at(-1) !== run.status) seen.push(run.status);
    if (until(run)) return { run, seen };
    if (Date.now() > deadline) throw new Error(`gc ${id} still ${run.status} (seen ${seen.join(' → ')})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
