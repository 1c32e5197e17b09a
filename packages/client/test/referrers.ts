import { expect } from '@jest/globals';
import { Readable } from 'node:stream';
import { digestOf, MediaType, type Digest } from '@berth/oci';
import { type RegistryClient } from '../src/index.js';
import { multiArchImage, pushImage } from './fixtures.js';

export const SBOM_TYPE = 'application/vnd.example.sbom.v1+json';
export const SIGNATURE_TYPE = 'application/vnd.example.signature.v1+json';

/** Pushes an artifact manifest (empty config, one layer) whose subject is `subject`. */
export async function pushReferrer(
  client: RegistryClient,
  repository: string,
  subject: { digest: Digest; size: number; mediaType: string },
  artifactType: string,
  payload: string,
): Promise<Digest> {
  const empty = Buffer.from('{}');
  const layer = Buffer.from(payload);
  for (const blob of [empty, layer]) {
    await client.pushBlob(repository, digestOf(blob), blob.length, () => Readable.from([blob]));
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType,
      config: { mediaType: MediaType.OciEmpty, digest: digestOf(empty), size: empty.length },
      layers: [{ mediaType: 'application/json', digest: digestOf(layer), size: layer.length }],
      subject,
      annotations: { 'org.example.payload': payload },
    }),
  );
  return client.putManifest(repository, digestOf(manifest), manifest, MediaType.OciManifest);
}

/** Referrers by type, with and without the filter, on any registry (API or tag schema). */
export async function expectReferrers(
  client: RegistryClient,
  repository: string,
  seed: string,
): Promise<void> {
  const image = await multiArchImage(seed, [2000]);
  await pushImage(client, repository, image, 'signed');
  const subject = { digest: image.digest as Digest, size: image.size, mediaType: image.mediaType };
  expect(await client.referrers(repository, subject.digest)).toEqual([]);
  const sbom = await pushReferrer(client, repository, subject, SBOM_TYPE, `sbom of ${seed}`);
  const signature = await pushReferrer(client, repository, subject, SIGNATURE_TYPE, `signature of ${seed}`);
  const all = await client.referrers(repository, subject.digest);
  expect(all.map((entry) => entry.digest).sort()).toEqual([sbom, signature].sort());
  expect(all.find((entry) => entry.digest === sbom)).toMatchObject({
    mediaType: MediaType.OciManifest,
    artifactType: SBOM_TYPE,
    annotations: { 'org.example.payload': `sbom of ${seed}` },
  });
  expect(
    (await client.referrers(repository, subject.digest, SIGNATURE_TYPE)).map((entry) => entry.digest),
  ).toEqual([signature]);
  expect(await client.referrers(repository, subject.digest, 'application/vnd.example.none')).toEqual([]);
}
