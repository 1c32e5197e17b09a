import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  basicHeader,
  startDistribution,
  startFaultyProxy,
  type ApiProcess,
  type ClientEnv,
  type Credentials,
  type DistributionRegistry,
  type FaultyProxy,
} from '@berth/testing';
import { CpuMeter } from './cpu.js';
import { repositoryName, verifyCopy, type SeededImage, type SeedShape } from './seed.js';

/** Where copies land on each fresh Distribution: `bench/repo-07` → `mirror/repo-07`. */
export const MIRROR = 'mirror';
const rename = (repository: string) => repository.replace(/^bench\//, `${MIRROR}/`);

export interface Measurement {
  /** Wall time of the whole copy, ms. */
  ms: number;
  /** Images found at the destination with the source's digest afterwards. */
  verified: number;
  /** Requests the destination received, by method (only with a counting proxy). */
  requests?: Record<string, number>;
  /** CPU seconds per process group during the copy (`skopeo`: the skopeo process). */
  cpu: Record<string, number>;
  detail: string;
}

/** Berth's processes (pids by group: api, token, worker, postgres backends) for CPU accounting. */
export type ProcessGroups = () => Record<string, number[]>;

function meterFor(groups: ProcessGroups, distributionPid: number): CpuMeter {
  return new CpuMeter(() => ({ ...groups(), distribution: [distributionPid] }));
}

/** A fresh Distribution (htpasswd), optionally behind a proxy that counts requests. */
async function destination(
  count: boolean,
): Promise<{ url: string; registry: DistributionRegistry; proxy?: FaultyProxy; stop(): Promise<void> }> {
  const registry = await startDistribution();
  const proxy = count ? await startFaultyProxy(registry.url) : undefined;
  return {
    url: proxy?.url ?? registry.url,
    registry,
    ...(proxy && { proxy }),
    stop: async () => {
      await proxy?.close();
      await registry.stop();
    },
  };
}

function requestsByMethod(proxy: FaultyProxy | undefined): Record<string, number> | undefined {
  if (!proxy) return undefined;
  const counts: Record<string, number> = {};
  for (const { method } of proxy.requests()) counts[method] = (counts[method] ?? 0) + 1;
  return counts;
}

const bearers = new Map<ApiProcess, { header: string; at: number }>();

/**
 * A registry token of `admin` for the admin API, renewed every minute: with Basic, every poll
 * of the execution would cost the api an argon2id verification, CPU taken from the replication
 * being measured.
 */
async function adminAuthorization(api: ApiProcess): Promise<string> {
  const cached = bearers.get(api);
  if (cached && Date.now() - cached.at < 60_000) return cached.header;
  const response = await fetch(`${api.tokenUrl}/service/token?service=${encodeURIComponent(api.host)}`, {
    headers: { authorization: basicHeader({ username: 'admin', password: api.adminPassword }) },
  });
  if (response.status !== 200) throw new Error(`admin token: ${response.status} ${await response.text()}`);
  const header = `Bearer ${((await response.json()) as { token: string }).token}`;
  bearers.set(api, { header, at: Date.now() });
  return header;
}

/** What the bench reads of the admin API's answers. */
interface Created {
  id: string;
}
interface Execution {
  status: string;
  total: number;
  succeeded: number;
}

async function admin<T>(api: ApiProcess, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${api.url}${route}`, {
    method,
    headers: {
      authorization: await adminAuthorization(api),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/**
 * Berth: a push-based execution of a policy selecting the seeded set, to a fresh Distribution;
 * the time from `POST /executions` to the execution's `succeeded` (polled every 50 ms).
 */
export async function measureBerth(
  api: ApiProcess,
  images: readonly SeededImage[],
  round: number,
  groups: ProcessGroups,
  options: { countRequests: boolean; concurrency?: number },
): Promise<Measurement> {
  const target = await destination(options.countRequests);
  const meter = meterFor(groups, target.registry.pid);
  try {
    const registry = await admin<Created>(api, 'POST', '/api/v1/registries', {
      name: `bench-distribution-r${round}`,
      type: 'oci',
      url: target.url,
      ...target.registry.credentials,
    });
    const policy = await admin<Created>(api, 'POST', '/api/v1/replication/policies', {
      name: `bench-r${round}`,
      mode: 'push',
      registryId: registry.id,
      destinationNamespace: MIRROR,
      filters: { repository: 'bench/**' },
      trigger: { type: 'manual' },
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    });
    meter.start();
    const t0 = performance.now();
    const { id } = await admin<Created>(api, 'POST', '/api/v1/replication/executions', {
      policyId: policy.id,
    });
    let execution: Execution;
    for (;;) {
      execution = await admin<Execution>(api, 'GET', `/api/v1/replication/executions/${id}`);
      if (['succeeded', 'failed', 'stopped'].includes(execution.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ms = performance.now() - t0;
    const { reaped: _, ...cpu } = meter.stop();
    if (execution.status !== 'succeeded' || execution.succeeded !== images.length) {
      throw new Error(`berth execution ${id} ended ${execution.status}: ${JSON.stringify(execution)}`);
    }
    const verified = await verifyCopy(target.registry.url, target.registry.credentials, images, rename);
    const requests = requestsByMethod(target.proxy);
    return {
      ms,
      verified,
      ...(requests && { requests }),
      cpu,
      detail: `${execution.total} tasks`,
    };
  } finally {
    await target.stop();
  }
}

/**
 * skopeo: `skopeo sync` of the same repositories from Berth to a fresh Distribution, with a
 * YAML source listing every repository (all tags); the wall time of the command.
 */
export async function measureSkopeo(
  clients: ClientEnv,
  source: { host: string; credentials: Credentials },
  shape: SeedShape,
  images: readonly SeededImage[],
  round: number,
  groups: ProcessGroups,
  options: { countRequests: boolean },
): Promise<Measurement> {
  const target = await destination(options.countRequests);
  const meter = meterFor(groups, target.registry.pid);
  try {
    const yaml = [
      `${source.host}:`,
      '  tls-verify: false',
      '  credentials:',
      `    username: ${JSON.stringify(source.credentials.username)}`,
      `    password: ${JSON.stringify(source.credentials.password)}`,
      '  images:',
      ...Array.from({ length: shape.repositories }, (_, r) => `    ${repositoryName(r)}: []`),
      '',
    ].join('\n');
    const file = path.join(clients.dir, `sync-r${round}.yaml`);
    await writeFile(file, yaml);
    const { username, password } = target.registry.credentials;
    meter.start();
    const t0 = performance.now();
    await clients.runOk(
      'skopeo',
      [
        'sync',
        // Digests as in the source, as Berth keeps them (skopeo would otherwise rewrite them).
        '--preserve-digests',
        '--src',
        'yaml',
        '--dest',
        'docker',
        '--dest-creds',
        `${username}:${password}`,
        '--dest-tls-verify=false',
        file,
        `${new URL(target.url).host}/${MIRROR}`,
      ],
      { timeoutMs: 30 * 60_000 },
    );
    const ms = performance.now() - t0;
    const { reaped, worker: _, ...cpu } = meter.stop();
    const verified = await verifyCopy(target.registry.url, target.registry.credentials, images, rename);
    const requests = requestsByMethod(target.proxy);
    return {
      ms,
      verified,
      ...(requests && { requests }),
      cpu: { ...cpu, skopeo: reaped ?? 0 },
      detail: 'skopeo sync --src yaml',
    };
  } finally {
    await target.stop();
  }
}
