// Pushes a tiny OCI image (a config and one random layer) with @berth/client, for specs that need
// registry traffic rather than particular content.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { RegistryClient } from '@berth/client';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export async function pushTinyImage(
  client: RegistryClient,
  repository: string,
  tag: string,
  layerBytes = 1024,
): Promise<{ digest: string; size: number; layerBytes: number }> {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const layer = randomBytes(layerBytes);
  for (const blob of [config, layer]) {
    await client.pushBlob(repository, sha256(blob), blob.length, () => Readable.from([blob]));
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length },
      ],
    }),
  );
  await client.putManifest(repository, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
  return { digest: sha256(manifest), size: manifest.length, layerBytes: layer.length + config.length };
}
