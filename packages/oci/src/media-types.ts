/** Media types the registry understands. Everything else is stored opaquely as a blob. */
export const MediaType = {
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  OciLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerTarGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerNondistributableTar: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  OciLayerNondistributableTarGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  OciLayerNondistributableTarZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifestSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerManifestSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

/** The manifest kinds Berth stores, parses and serves. */
export type ManifestMediaType =
  | typeof MediaType.OciManifest
  | typeof MediaType.OciIndex
  | typeof MediaType.DockerManifest
  | typeof MediaType.DockerManifestList;

export const MANIFEST_MEDIA_TYPES: readonly ManifestMediaType[] = [
  MediaType.OciManifest,
  MediaType.OciIndex,
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
];

export function isManifestMediaType(value: string): value is ManifestMediaType {
  return (MANIFEST_MEDIA_TYPES as readonly string[]).includes(value);
}

/** Indexes and manifest lists point at other manifests rather than at blobs. */
export function isIndexMediaType(value: string): boolean {
  return value === MediaType.OciIndex || value === MediaType.DockerManifestList;
}

/**
 * Layers a registry is not expected to hold (foreign / non-distributable). A manifest may
 * reference them without the blob being present, when they carry `urls`.
 */
export function isForeignLayerMediaType(value: string): boolean {
  return (
    value === MediaType.DockerForeignLayer ||
    value === MediaType.OciLayerNondistributableTar ||
    value === MediaType.OciLayerNondistributableTarGzip ||
    value === MediaType.OciLayerNondistributableTarZstd
  );
}

// RFC 6838 type/subtype, as the image-spec requires for descriptor media types.
const MEDIA_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isValidMediaType(value: string): boolean {
  return MEDIA_TYPE_PATTERN.test(value);
}

/** The bare media type of a Content-Type header (parameters and case dropped). */
export function baseMediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const base = contentType.split(';')[0]?.trim().toLowerCase();
  return base === '' ? undefined : base;
}
