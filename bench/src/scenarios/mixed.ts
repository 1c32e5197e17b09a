import { seededBytes } from '@berth/testing';
import { closedLoop, expectStatus, LoadClient } from '../load.js';
import { imageManifest, OCI_MANIFEST, pushSmallBlob, putManifest } from '../oci.js';
import { PROJECT } from '../registries.js';
import { type Scenario, type Settings } from './types.js';

const REPOSITORY = `${PROJECT}/mixed`;
const BASE_LAYER = 256 * 1024;
const PUSH_LAYER = 64 * 1024;

interface Base {
  config: { digest: string; size: number };
  layer: { digest: string; size: number };
}

/**
 * A mixed load with 32 clients: of every 4 operations, 3 are pulls (GET the manifest by tag,
 * then GET its 256 KiB layer) and 1 is a push (upload a new 64 KiB layer: POST + PUT, then PUT
 * a manifest under a new tag). Reported in operations per second.
 */
export function mixedScenario(settings: Settings): Scenario {
  const bases = new Map<string, Base>();
  return {
    name: 'mixed',
    async prepare(registry) {
      const client = new LoadClient(registry.url, 1);
      try {
        const auth = await registry.authorization([REPOSITORY]);
        const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: {} }));
        const layer = seededBytes('bench-mixed-base', BASE_LAYER);
        const base: Base = {
          config: {
            digest: await pushSmallBlob(client, registry, REPOSITORY, config, auth),
            size: config.length,
          },
          layer: {
            digest: await pushSmallBlob(client, registry, REPOSITORY, layer, auth),
            size: layer.length,
          },
        };
        await putManifest(
          client,
          registry,
          REPOSITORY,
          'base',
          imageManifest(base.config, [base.layer]),
          auth,
        );
        bases.set(registry.name, base);
      } finally {
        client.close();
      }
    },
    cases: [
      {
        label: `mixed 75% pull / 25% push, ${settings.mixedConcurrency} clients`,
        unit: 'ops/s',
        memoryGroup: 'mixed load',
        async run(registry, round) {
          const base = bases.get(registry.name)!;
          const authorization = await registry.authorization([REPOSITORY]);
          const client = new LoadClient(registry.url, settings.mixedConcurrency);
          const pull = async () => {
            const manifest = expectStatus(
              await client.send({
                method: 'GET',
                url: `/v2/${REPOSITORY}/manifests/base`,
                headers: { authorization, accept: OCI_MANIFEST },
              }),
              'GET manifest',
              200,
            );
            const layer = (
              JSON.parse(manifest.body.toString('utf8')) as { layers: Array<{ digest: string }> }
            ).layers[0]!;
            const blob = expectStatus(
              await client.send({
                method: 'GET',
                url: `/v2/${REPOSITORY}/blobs/${layer.digest}`,
                headers: { authorization },
              }),
              'GET blob',
              200,
            );
            if (blob.body.length !== BASE_LAYER) throw new Error(`GET blob: ${blob.body.length} bytes`);
          };
          const push = async (n: number) => {
            const bytes = seededBytes(`bench-mixed-${registry.name}-r${round}-${n}`, PUSH_LAYER);
            const digest = await pushSmallBlob(client, registry, REPOSITORY, bytes, authorization);
            const manifest = imageManifest(base.config, [base.layer, { digest, size: bytes.length }]);
            await putManifest(client, registry, REPOSITORY, `p${round}-${n}`, manifest, authorization);
          };
          try {
            const result = await closedLoop(
              {
                concurrency: settings.mixedConcurrency,
                seconds: settings.loadSeconds,
                maxOperations: 1_000_000,
              },
              (_worker, n) => (n % 4 === 3 ? push(n) : pull()),
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
      },
    ],
  };
}
