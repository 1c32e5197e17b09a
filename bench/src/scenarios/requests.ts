import { seededBytes } from '@berth/testing';
import { closedLoop, expectStatus, LoadClient } from '../load.js';
import { imageManifest, OCI_MANIFEST, pushSmallBlob, putManifest } from '../oci.js';
import { PROJECT, type Registry } from '../registries.js';
import { type Case, type Scenario, type Settings } from './types.js';

const REPOSITORY = `${PROJECT}/small`;
const TAGS = 20;

/**
 * Manifest GET and HEAD by tag, and the tags list, with 1, 32 and 128 concurrent clients on
 * keep-alive connections. The Authorization header is fetched before the window (Berth: one
 * token, reused as clients do), so the window measures the registry.
 */
export function requestScenario(settings: Settings): Scenario {
  const manifests = new Map<string, Buffer>();

  const requests = {
    'manifest GET': {
      method: 'GET',
      path: `/v2/${REPOSITORY}/manifests/latest`,
      check: (registry: Registry, body: Buffer) => {
        if (!body.equals(manifests.get(registry.name)!)) throw new Error('manifest GET: different bytes');
      },
    },
    'manifest HEAD': { method: 'HEAD', path: `/v2/${REPOSITORY}/manifests/latest`, check: undefined },
    'tags list': {
      method: 'GET',
      path: `/v2/${REPOSITORY}/tags/list`,
      check: (_registry: Registry, body: Buffer) => {
        const tags = (JSON.parse(body.toString('utf8')) as { tags?: string[] }).tags ?? [];
        if (tags.length !== TAGS + 1) throw new Error(`tags list: ${tags.length} tags`);
      },
    },
  } as const;

  const cases: Case[] = [];
  for (const [what, spec] of Object.entries(requests)) {
    for (const concurrency of settings.concurrencies) {
      cases.push({
        label: `${what}, ${concurrency} client${concurrency > 1 ? 's' : ''}`,
        unit: 'req/s',
        memoryGroup: 'manifest GET/HEAD, tags list',
        async run(registry) {
          const authorization = await registry.authorization([REPOSITORY]);
          const client = new LoadClient(registry.url, concurrency);
          try {
            const result = await closedLoop(
              { concurrency, seconds: settings.loadSeconds, warmup: 2 },
              async () => {
                const response = await client.send({
                  method: spec.method,
                  url: spec.path,
                  headers: { authorization, accept: OCI_MANIFEST },
                });
                expectStatus(response, `${spec.method} ${spec.path}`, 200);
                spec.check?.(registry, response.body);
              },
            );
            return {
              value: result.perSecond,
              operations: result.operations,
              errors: result.errors,
              errorSamples: result.errorSamples,
              detail: `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`,
            };
          } finally {
            client.close();
          }
        },
      });
    }
  }

  return {
    name: 'requests',
    async prepare(registry) {
      const client = new LoadClient(registry.url, 1);
      try {
        const auth = await registry.authorization([REPOSITORY]);
        const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: {} }));
        const layer = seededBytes('bench-small-layer', 32 * 1024);
        const configDigest = await pushSmallBlob(client, registry, REPOSITORY, config, auth);
        const layerDigest = await pushSmallBlob(client, registry, REPOSITORY, layer, auth);
        const manifest = imageManifest({ digest: configDigest, size: config.length }, [
          { digest: layerDigest, size: layer.length },
        ]);
        manifests.set(registry.name, manifest);
        for (const tag of ['latest', ...Array.from({ length: TAGS }, (_, i) => `t${i}`)]) {
          await putManifest(client, registry, REPOSITORY, tag, manifest, auth);
        }
      } finally {
        client.close();
      }
    },
    cases,
  };
}
