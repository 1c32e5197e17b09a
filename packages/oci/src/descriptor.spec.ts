import { describe, expect, it } from '@jest/globals';
import { isRecord, parseAnnotations, parseDescriptor } from './descriptor.js';
import { RegistryError } from './errors.js';

const DIGEST = 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270';
const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
const BASE = { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 7682, digest: DIGEST };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function expectManifestInvalid(fn: () => unknown): RegistryError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(RegistryError);
  expect(error).toMatchObject({ kind: 'MANIFEST_INVALID', code: 'MANIFEST_INVALID', status: 400 });
  return error as RegistryError;
}

describe('isRecord', () => {
  it.each([[{}], [{ a: 1 }], [Object.create(null)]])('%p is a record', (value) => {
    expect(isRecord(value)).toBe(true);
  });

  it.each([[null], [undefined], [[]], [[1]], ['x'], [1], [true]])('%p is not a record', (value) => {
    expect(isRecord(value)).toBe(false);
  });
});

describe('parseDescriptor', () => {
  it.each([
    ['the minimal descriptor', BASE],
    ['size 0', { ...BASE, size: 0 }],
    ['the largest safe size', { ...BASE, size: Number.MAX_SAFE_INTEGER }],
    ['a sha512 digest', { ...BASE, digest: `sha512:${'ab'.repeat(64)}` }],
    ['urls', { ...BASE, urls: ['https://example.com/example-manifest'] }],
    ['empty urls', { ...BASE, urls: [] }],
    [
      'annotations',
      { ...BASE, annotations: { 'com.example.key': 'value', 'org.opencontainers.image.title': '' } },
    ],
    ['empty annotations', { ...BASE, annotations: {} }],
    ['artifactType', { ...BASE, artifactType: 'application/vnd.example.sbom.v1' }],
    ['a minimal platform', { ...BASE, platform: { architecture: 'amd64', os: 'linux' } }],
    [
      'a full platform',
      {
        ...BASE,
        platform: {
          architecture: 'amd64',
          os: 'windows',
          'os.version': '10.0.14393.1066',
          'os.features': ['win32k'],
          variant: 'v3',
        },
      },
    ],
    [
      'the empty descriptor with data',
      { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_JSON_DIGEST, size: 2, data: 'e30=' },
    ],
    ['empty data', { ...BASE, data: '' }],
    ['data with two padding chars', { ...BASE, data: 'YQ==' }],
    ['data without padding', { ...BASE, data: 'YWJj' }],
    ['an unknown media type', { ...BASE, mediaType: 'application/vnd.example.thing.v1+tar' }],
    ['unknown extra fields', { ...BASE, 'com.example.extension': { anything: true } }],
  ])('accepts %s', (_label, value) => {
    expect(parseDescriptor(value, 'x')).toEqual(value);
  });

  it('returns the very object it validated', () => {
    const value = { ...BASE };
    expect(parseDescriptor(value, 'x')).toBe(value);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an array', [BASE]],
    ['a string', DIGEST],
    ['a number', 1],
    ['missing mediaType', { digest: DIGEST, size: 1 }],
    ['mediaType null', { ...BASE, mediaType: null }],
    ['mediaType a number', { ...BASE, mediaType: 1 }],
    ['mediaType empty', { ...BASE, mediaType: '' }],
    ['mediaType without subtype', { ...BASE, mediaType: 'application' }],
    ['mediaType with parameters', { ...BASE, mediaType: 'text/plain; charset=utf-8' }],
    ['mediaType with spaces', { ...BASE, mediaType: 'application/vnd oci' }],
    ['mediaType with two slashes', { ...BASE, mediaType: 'application/vnd/oci' }],
    ['mediaType with a leading dot subtype', { ...BASE, mediaType: 'application/.json' }],
    ['mediaType with unicode', { ...BASE, mediaType: 'application/vnd.ocí+json' }],
    ['missing digest', { mediaType: BASE.mediaType, size: 1 }],
    ['digest null', { ...BASE, digest: null }],
    ['digest empty', { ...BASE, digest: '' }],
    ['digest with uppercase hex', { ...BASE, digest: DIGEST.toUpperCase().replace('SHA256', 'sha256') }],
    ['digest too short', { ...BASE, digest: DIGEST.slice(0, -1) }],
    ['digest too long', { ...BASE, digest: `${DIGEST}0` }],
    ['digest without algorithm', { ...BASE, digest: DIGEST.slice('sha256:'.length) }],
    ['digest with unknown algorithm', { ...BASE, digest: 'md5:d41d8cd98f00b204e9800998ecf8427e' }],
    ['digest an object', { ...BASE, digest: { algorithm: 'sha256' } }],
    ['missing size', { mediaType: BASE.mediaType, digest: DIGEST }],
    ['size null', { ...BASE, size: null }],
    ['negative size', { ...BASE, size: -1 }],
    ['float size', { ...BASE, size: 1.5 }],
    ['string size', { ...BASE, size: '7682' }],
    ['size beyond the safe integer range', { ...BASE, size: 2 ** 53 }],
    ['infinite size', { ...BASE, size: Infinity }],
    ['NaN size', { ...BASE, size: NaN }],
    ['boolean size', { ...BASE, size: true }],
    ['urls a string', { ...BASE, urls: 'https://example.com' }],
    ['urls null', { ...BASE, urls: null }],
    ['urls with a number', { ...BASE, urls: ['https://example.com', 1] }],
    ['urls an object', { ...BASE, urls: { 0: 'https://example.com' } }],
    ['annotations an array', { ...BASE, annotations: ['a'] }],
    ['annotations null', { ...BASE, annotations: null }],
    ['annotations a string', { ...BASE, annotations: 'a=b' }],
    ['annotation value a number', { ...BASE, annotations: { a: 1 } }],
    ['annotation value a boolean', { ...BASE, annotations: { a: true } }],
    ['annotation value null', { ...BASE, annotations: { a: null } }],
    ['annotation value an object', { ...BASE, annotations: { a: { b: 'c' } } }],
    ['annotation value an array', { ...BASE, annotations: { a: ['b'] } }],
    ['artifactType a number', { ...BASE, artifactType: 1 }],
    ['artifactType malformed', { ...BASE, artifactType: 'sbom' }],
    ['platform null', { ...BASE, platform: null }],
    ['platform a string', { ...BASE, platform: 'linux/amd64' }],
    ['platform without os', { ...BASE, platform: { architecture: 'amd64' } }],
    ['platform without architecture', { ...BASE, platform: { os: 'linux' } }],
    ['platform architecture a number', { ...BASE, platform: { architecture: 64, os: 'linux' } }],
    [
      'platform os.version a number',
      { ...BASE, platform: { architecture: 'amd64', os: 'windows', 'os.version': 10 } },
    ],
    [
      'platform os.features a string',
      { ...BASE, platform: { architecture: 'amd64', os: 'windows', 'os.features': 'x' } },
    ],
    [
      'platform os.features with a number',
      { ...BASE, platform: { architecture: 'amd64', os: 'linux', 'os.features': [1] } },
    ],
    ['platform variant a number', { ...BASE, platform: { architecture: 'arm', os: 'linux', variant: 7 } }],
    ['data a number', { ...BASE, data: 42 }],
    ['data not base64', { ...BASE, data: 'not base64!' }],
    ['data with bad padding', { ...BASE, data: 'e30' }],
    ['data base64url', { ...BASE, data: '-_-_' }],
  ])('refuses %s with MANIFEST_INVALID', (_label, value) => {
    expectManifestInvalid(() => parseDescriptor(value, 'layers[3]'));
  });

  it('names where the descriptor was in the message', () => {
    const error = expectManifestInvalid(() => parseDescriptor({ ...BASE, size: -1 }, 'layers[3]'));
    expect(error.message).toContain('layers[3]');
    expect(error.message).toContain('size');
  });
});

describe('parseAnnotations', () => {
  it.each([
    [{}],
    [{ 'com.example.a': 'b' }],
    [{ 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', empty: '' }],
  ])('accepts %p', (value) => {
    expect(parseAnnotations(value, 'annotations')).toBe(value);
  });

  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'x'],
    ['a number value', { a: 1 }],
    ['a null value', { a: null }],
    ['a nested object', { a: {} }],
    ['one bad value among good ones', { a: 'b', c: 'd', e: false }],
  ])('refuses %s with MANIFEST_INVALID', (_label, value) => {
    const error = expectManifestInvalid(() => parseAnnotations(value, 'config.annotations'));
    expect(error.message).toContain('config.annotations');
  });
});
