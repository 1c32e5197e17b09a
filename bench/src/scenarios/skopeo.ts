import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildOciLayout, podmanEnv, type BuiltImage, type ClientEnv } from '@berth/testing';
import { PROJECT, type Registry } from '../registries.js';
import { mibPerSecond, sizeLabel, type Scenario, type Settings } from './types.js';

const LAYERS = 4;
const TIMEOUT_MS = 15 * 60_000;

/**
 * A real client: `skopeo copy` of a 4-layer image (uncompressed OCI layers of seeded bytes)
 * from an OCI layout to the registry, and back into a fresh OCI layout. Each round builds a new
 * image (new seed) and pushes it to a new repository, so neither skopeo's blob-info cache nor
 * cross-repository mounts can skip an upload.
 */
export function skopeoScenario(settings: Settings): Scenario {
  const layerSize = Math.floor(settings.imageSize / LAYERS);
  const images = new Map<number, BuiltImage>();
  let clients: ClientEnv | undefined;
  let scratch: string | undefined;

  const setup = async () => {
    clients ??= await podmanEnv();
    scratch ??= await mkdtemp(path.join(settings.workDir, 'skopeo-'));
    return { clients, scratch };
  };
  const imageFor = async (round: number): Promise<BuiltImage> => {
    const { scratch } = await setup();
    let image = images.get(round);
    if (!image) {
      image = await buildOciLayout({
        dir: path.join(scratch, `layout-r${round}`),
        tag: 'v1',
        seed: `bench-skopeo-r${round}`,
        layerSizes: Array.from({ length: LAYERS }, () => layerSize),
      });
      images.set(round, image);
    }
    return image;
  };
  const reference = (registry: Registry, round: number) =>
    `docker://${registry.host}/${PROJECT}/skopeo-r${round}:v1`;
  const creds = (registry: Registry) => `${registry.credentials.username}:${registry.credentials.password}`;
  const imageBytes = LAYERS * layerSize;
  const label = `${LAYERS} layers, ${sizeLabel(imageBytes)}`;

  return {
    name: 'skopeo',
    cases: [
      {
        label: `skopeo copy push (${label})`,
        unit: 'MiB/s',
        memoryGroup: `skopeo push/pull ${sizeLabel(imageBytes)}`,
        prepareRound: async (round) => void (await imageFor(round)),
        async run(registry, round) {
          const image = await imageFor(round);
          const { clients } = await setup();
          const t0 = performance.now();
          await clients.runOk(
            'skopeo',
            [
              'copy',
              '--quiet',
              '--dest-creds',
              creds(registry),
              '--dest-tls-verify=false',
              image.reference,
              reference(registry, round),
            ],
            { timeoutMs: TIMEOUT_MS },
          );
          const ms = performance.now() - t0;
          return {
            value: mibPerSecond(imageBytes, ms),
            bytes: imageBytes,
            operations: 1,
            errors: 0,
            detail: `${ms.toFixed(0)} ms`,
          };
        },
      },
      {
        label: `skopeo copy pull (${label})`,
        unit: 'MiB/s',
        memoryGroup: `skopeo push/pull ${sizeLabel(imageBytes)}`,
        async run(registry, round) {
          const { clients, scratch } = await setup();
          const target = path.join(scratch, `pull-${registry.name}-r${round}`);
          const t0 = performance.now();
          try {
            await clients.runOk(
              'skopeo',
              [
                'copy',
                '--quiet',
                '--src-creds',
                creds(registry),
                '--src-tls-verify=false',
                reference(registry, round),
                `oci:${target}:v1`,
              ],
              { timeoutMs: TIMEOUT_MS },
            );
            const ms = performance.now() - t0;
            return {
              value: mibPerSecond(imageBytes, ms),
              bytes: imageBytes,
              operations: 1,
              errors: 0,
              detail: `${ms.toFixed(0)} ms`,
            };
          } finally {
            await rm(target, { recursive: true, force: true });
          }
        },
      },
    ],
    async dispose() {
      await clients?.cleanup();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    },
  };
}
