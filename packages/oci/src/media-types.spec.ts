import { describe, expect, it } from '@jest/globals';
import {
  baseMediaType,
  isForeignLayerMediaType,
  isIndexMediaType,
  isManifestMediaType,
  isValidMediaType,
  MANIFEST_MEDIA_TYPES,
  MediaType,
} from './media-types.js';

describe('MediaType', () => {
  it('spells every media type as the specs do', () => {
    expect(MediaType).toEqual({
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
    });
  });

  it('has no duplicates', () => {
    const values = Object.values(MediaType);
    expect(new Set(values).size).toBe(values.length);
  });

  it.each(Object.entries(MediaType))('%s is a valid RFC 6838 media type', (_name, value) => {
    expect(isValidMediaType(value)).toBe(true);
  });
});

describe('manifest media types', () => {
  it('are exactly the four kinds Berth serves', () => {
    expect([...MANIFEST_MEDIA_TYPES].sort()).toEqual(
      [
        MediaType.OciManifest,
        MediaType.OciIndex,
        MediaType.DockerManifest,
        MediaType.DockerManifestList,
      ].sort(),
    );
  });

  it.each(MANIFEST_MEDIA_TYPES.map((type) => [type]))('%s is a manifest media type', (type) => {
    expect(isManifestMediaType(type)).toBe(true);
  });

  it.each([
    [MediaType.DockerManifestSchema1],
    [MediaType.DockerManifestSchema1Signed],
    [MediaType.OciConfig],
    [MediaType.OciEmpty],
    [MediaType.OciLayerTarGzip],
    ['application/json'],
    [''],
    ['APPLICATION/VND.OCI.IMAGE.MANIFEST.V1+JSON'],
    [`${MediaType.OciManifest}; charset=utf-8`],
    [` ${MediaType.OciManifest}`],
  ])('%p is not a manifest media type', (type) => {
    expect(isManifestMediaType(type)).toBe(false);
  });

  it.each([
    [MediaType.OciIndex, true],
    [MediaType.DockerManifestList, true],
    [MediaType.OciManifest, false],
    [MediaType.DockerManifest, false],
    ['application/json', false],
    ['', false],
  ])('isIndexMediaType(%p) is %p', (type, expected) => {
    expect(isIndexMediaType(type)).toBe(expected);
  });
});

describe('isForeignLayerMediaType', () => {
  it.each([
    [MediaType.DockerForeignLayer, true],
    [MediaType.OciLayerNondistributableTar, true],
    [MediaType.OciLayerNondistributableTarGzip, true],
    [MediaType.OciLayerNondistributableTarZstd, true],
    [MediaType.OciLayerTar, false],
    [MediaType.OciLayerTarGzip, false],
    ['application/vnd.oci.image.layer.v1.tar+zstd', false],
    ['application/vnd.docker.image.rootfs.diff.tar.gzip', false],
    [MediaType.OciConfig, false],
    ['', false],
  ])('%p → %p', (type, expected) => {
    expect(isForeignLayerMediaType(type)).toBe(expected);
  });
});

describe('isValidMediaType', () => {
  it.each([
    ['text/plain'],
    ['application/json'],
    ['application/octet-stream'],
    ['application/vnd.example+type'],
    ['application/vnd.example.sbom.v1'],
    ['application/vnd.oci.image.layer.v1.tar+gzip+encrypted'],
    ['Application/JSON'],
    ['a/b'],
    ['0/9'],
    ['x!#$&^_.+-/y!#$&^_.+-'],
    [`${'a'.repeat(127)}/${'b'.repeat(127)}`],
  ])('accepts %p', (value) => {
    expect(isValidMediaType(value)).toBe(true);
  });

  it.each([
    [''],
    ['application'],
    ['application/'],
    ['/json'],
    ['/'],
    ['application//json'],
    ['application/vnd/json'],
    ['application/json; charset=utf-8'],
    ['application/json;'],
    [' application/json'],
    ['application/json '],
    ['application /json'],
    ['application/json\n'],
    ['.application/json'],
    ['application/.json'],
    ['-application/json'],
    ['application/+json'],
    ['application/vnd*json'],
    ['application/vnd"json'],
    ['application/vnd(json)'],
    ['application/vnd.ocí+json'],
    ['应用/json'],
    [`${'a'.repeat(128)}/json`],
    [`application/${'b'.repeat(128)}`],
    ['a'.repeat(100_000)],
  ])('refuses %p', (value) => {
    expect(isValidMediaType(value)).toBe(false);
  });
});

describe('baseMediaType', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    [';charset=utf-8', undefined],
    ['application/json', 'application/json'],
    ['application/json; charset=utf-8', 'application/json'],
    ['application/json;charset=utf-8;q=1', 'application/json'],
    ['  application/json  ', 'application/json'],
    ['Application/VND.OCI.Image.Manifest.v1+JSON', MediaType.OciManifest],
    [`${MediaType.OciIndex} ; foo=bar`, MediaType.OciIndex],
  ])('%p → %p', (header, expected) => {
    expect(baseMediaType(header)).toBe(expected);
  });
});
