// Liveness, readiness and /metrics of a real api: readiness checks the database, storage and
// Redis (Redis down is `degraded`, quickly); metrics count requests per low-cardinality route,
// bytes and uploads, and show queue depths, without a repository name anywhere.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RegistryClient } from '@berth/client';
import {
  freePort,
  startApi,
  startRegistryUnderTest,
  type ApiProcess,
  type RegistryUnderTest,
} from '@berth/testing';
import { pushTinyImage } from '../admin/tiny-image.js';

const TIMEOUT = 60_000;
let registry: RegistryUnderTest;
let noRedis: ApiProcess;

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  // A closed port: nothing listens there, so every Redis connection is refused.
  noRedis = await startApi({ env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
}, TIMEOUT);

afterAll(async () => {
  await noRedis?.stop();
  await registry?.close();
}, TIMEOUT);

/** The value of one sample line, `name{labels} value`, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function metrics(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

describe('GET /api/v1/health', () => {
  it('answers liveness without credentials or dependencies', async () => {
    const response = await fetch(`${registry.url}/api/v1/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers readiness with the database, storage and Redis checked', async () => {
    for (const path of ['/api/v1/health/ready', '/api/v1/health?ready=true']) {
      const response = await fetch(`${registry.url}${path}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        status: string;
        checks: Record<string, { status: string; latencyMs: number }>;
      };
      expect(body.status).toBe('ok');
      for (const name of ['database', 'storage', 'redis']) {
        expect(body.checks[name]).toMatchObject({ status: 'ok', latencyMs: expect.any(Number) });
      }
    }
  });

  it('is degraded, 200 and quick, when Redis is down; it names no URL', async () => {
    const started = Date.now();
    const response = await fetch(`${noRedis.url}/api/v1/health/ready`);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      checks: Record<string, { status: string; error?: string }>;
    };
    expect(body.status).toBe('degraded');
    expect(body.checks.database?.status).toBe('ok');
    expect(body.checks.storage?.status).toBe('ok');
    expect(body.checks.redis).toMatchObject({ status: 'unavailable', error: expect.any(String) });
    expect(JSON.stringify(body)).not.toContain('redis://');
  });
});

describe('GET /metrics', () => {
  it(
    'counts manifest requests, bytes and uploads, labels no repository, and shows queue depths',
    async () => {
      await registry.createProject('metered');
      const client = new RegistryClient({ url: registry.url, credentials: registry.credentials! });
      const before = await metrics(registry.url);
      const manifestGets = (text: string) =>
        sample(text, 'berth_http_requests_total{method="GET",route="manifest",status="200"}') ?? 0;
      const image = await pushTinyImage(client, 'metered/secret-app-name', 'v1', 64 * 1024);
      for (let i = 0; i < 5; i++) await client.getManifest('metered/secret-app-name', 'v1');
      const after = await metrics(registry.url);

      expect(manifestGets(after) - manifestGets(before)).toBe(5);
      expect(after).toMatch(
        /berth_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="manifest"\}/,
      );
      expect(after).toContain('route="/api/v1/projects"');
      const received =
        sample(after, 'berth_registry_bytes_received_total')! -
        (sample(before, 'berth_registry_bytes_received_total') ?? 0);
      expect(received).toBeGreaterThanOrEqual(image.layerBytes + image.size);
      const sent =
        sample(after, 'berth_registry_bytes_sent_total')! -
        (sample(before, 'berth_registry_bytes_sent_total') ?? 0);
      expect(sent).toBeGreaterThanOrEqual(5 * image.size);
      expect(sample(after, 'berth_uploads_completed_total')).toBeGreaterThanOrEqual(2);
      expect(sample(after, 'berth_registry_events_total{kind="manifest.pulled"}')).toBeGreaterThanOrEqual(5);
      expect(after).not.toContain('secret-app-name');
      expect(after).not.toContain('metered');
      expect(sample(after, 'berth_redis_up')).toBe(1);
      expect(after).toMatch(/berth_queue_jobs\{queue="berth-maintenance",state="waiting"\} \d+/);
      expect(after).toContain('process_cpu_user_seconds_total');
    },
    TIMEOUT,
  );

  it('answers quickly without Redis: berth_redis_up 0 and no queue depths', async () => {
    const started = Date.now();
    const text = await metrics(noRedis.url);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sample(text, 'berth_redis_up')).toBe(0);
    expect(text).not.toMatch(/^berth_queue_jobs\{/m);
  });
});
