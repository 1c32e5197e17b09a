import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { RegistryError } from './errors.js';
import { MAX_MANIFEST_BYTES, parseManifest, type ParsedManifest } from './manifest.js';
import { MediaType } from './media-types.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: the image-spec examples, with valid lowercase sha256 digests.
// ---------------------------------------------------------------------------------------------

const d = (seed: string): string => `sha256:${createHash('sha256').update(seed).digest('hex')}`;

const CONFIG_DIGEST = d('config');
const LAYER_DIGESTS = [d('layer-0'), d('layer-1'), d('layer-2')];
const SUBJECT_DIGEST = d('subject');
const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

type Json = Record<string, unknown>;

const config = (overrides: Json = {}): Json => ({
  mediaType: MediaType.OciConfig,
  digest: CONFIG_DIGEST,
  size: 7023,
  ...overrides,
});

const layer = (i: number, overrides: Json = {}): Json => ({
  mediaType: MediaType.OciLayerTarGzip,
  digest: LAYER_DIGESTS[i],
  size: 32654 + i,
  ...overrides,
});

const subject = (overrides: Json = {}): Json => ({
  mediaType: MediaType.OciManifest,
  digest: SUBJECT_DIGEST,
  size: 7682,
  ...overrides,
});

const ociManifest = (overrides: Json = {}): Json => ({
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  config: config(),
  layers: [layer(0), layer(1), layer(2)],
  ...overrides,
});

const child = (i: number, overrides: Json = {}): Json => ({
  mediaType: MediaType.OciManifest,
  digest: d(`child-${i}`),
  size: 7143 + i,
  platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
  ...overrides,
});

const ociIndex = (overrides: Json = {}): Json => ({
  schemaVersion: 2,
  mediaType: MediaType.OciIndex,
  manifests: [child(0), child(1)],
  ...overrides,
});

const dockerManifest = (overrides: Json = {}): Json => ({
  schemaVersion: 2,
  mediaType: MediaType.DockerManifest,
  config: config({ mediaType: MediaType.DockerConfig }),
  layers: [layer(0, { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' })],
  ...overrides,
});

const dockerManifestList = (overrides: Json = {}): Json => ({
  schemaVersion: 2,
  mediaType: MediaType.DockerManifestList,
  manifests: [
    child(0, { mediaType: MediaType.DockerManifest }),
    child(1, { mediaType: MediaType.DockerManifest }),
  ],
  ...overrides,
});

/** The same digest with its hex in upper case: grammatical, but not a valid sha256. */
const upperHex = (digest: string): string =>
  digest.replace(/:(.*)$/, (_match, hex: string) => `:${hex.toUpperCase()}`);

const bytesOf = (document: unknown): Buffer => Buffer.from(JSON.stringify(document));

/** Parses a document the way a client would push it: Content-Type equal to its mediaType. */
function push(document: Json): ParsedManifest {
  return parseManifest(bytesOf(document), document.mediaType as string | undefined);
}

/** Parses a document pushed with the given Content-Type (`undefined`: no header). */
function pushAs(document: Json, contentType: string | undefined): ParsedManifest {
  return parseManifest(bytesOf(document), contentType);
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function expectInvalid(fn: () => unknown, messagePart?: string): RegistryError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(RegistryError);
  expect(error).toMatchObject({ kind: 'MANIFEST_INVALID', code: 'MANIFEST_INVALID', status: 400 });
  if (messagePart !== undefined) expect((error as RegistryError).message).toContain(messagePart);
  return error as RegistryError;
}

/** A valid OCI manifest serialised to exactly `size` bytes, padded through an annotation. */
function manifestOfSize(size: number): Buffer {
  const skeleton = bytesOf(ociManifest({ annotations: { 'com.example.padding': '' } }));
  const padded = bytesOf(
    ociManifest({ annotations: { 'com.example.padding': 'x'.repeat(size - skeleton.length) } }),
  );
  expect(padded.length).toBe(size);
  return padded;
}

// ---------------------------------------------------------------------------------------------

describe('MAX_MANIFEST_BYTES', () => {
  it('is 4 MiB, the size the distribution-spec says registries should accept', () => {
    expect(MAX_MANIFEST_BYTES).toBe(4 * 1024 * 1024);
  });
});

describe('parseManifest: OCI image manifest', () => {
  it('extracts the config and layers as references, in order', () => {
    const parsed = push(ociManifest());
    expect(parsed.mediaType).toBe(MediaType.OciManifest);
    expect(parsed.references).toEqual([
      { digest: CONFIG_DIGEST, kind: 'config', mediaType: MediaType.OciConfig, size: 7023, required: true },
      {
        digest: LAYER_DIGESTS[0],
        kind: 'layer',
        mediaType: MediaType.OciLayerTarGzip,
        size: 32654,
        required: true,
      },
      {
        digest: LAYER_DIGESTS[1],
        kind: 'layer',
        mediaType: MediaType.OciLayerTarGzip,
        size: 32655,
        required: true,
      },
      {
        digest: LAYER_DIGESTS[2],
        kind: 'layer',
        mediaType: MediaType.OciLayerTarGzip,
        size: 32656,
        required: true,
      },
    ]);
    expect(parsed.artifactType).toBe(MediaType.OciConfig);
    expect(parsed).not.toHaveProperty('subject');
    expect(parsed).not.toHaveProperty('annotations');
  });

  it('accepts an empty layers array', () => {
    const parsed = push(ociManifest({ layers: [] }));
    expect(parsed.references.map((reference) => reference.kind)).toEqual(['config']);
  });

  it('accepts a repeated layer', () => {
    expect(push(ociManifest({ layers: [layer(0), layer(0)] })).references).toHaveLength(3);
  });

  it.each([
    ['no Content-Type', undefined],
    ['the exact Content-Type', MediaType.OciManifest],
    ['a Content-Type with parameters', `${MediaType.OciManifest}; charset=utf-8`],
    ['a Content-Type in another case', MediaType.OciManifest.toUpperCase()],
    ['a Content-Type with surrounding whitespace', ` ${MediaType.OciManifest} `],
  ])('accepts a declared mediaType with %s', (_label, contentType) => {
    expect(pushAs(ociManifest(), contentType).mediaType).toBe(MediaType.OciManifest);
  });

  it.each([
    ['the OCI manifest Content-Type', MediaType.OciManifest],
    ['no Content-Type (shape)', undefined],
    ['an empty Content-Type (shape)', ''],
    ['application/json (shape)', 'application/json'],
    ['application/octet-stream (shape)', 'application/octet-stream'],
  ])('accepts a manifest without mediaType given %s', (_label, contentType) => {
    const document = ociManifest();
    delete document.mediaType;
    expect(pushAs(document, contentType).mediaType).toBe(MediaType.OciManifest);
  });

  it('accepts unknown config and layer media types (artifacts)', () => {
    const parsed = push(
      ociManifest({
        config: config({ mediaType: 'application/vnd.example.config.v1+json' }),
        layers: [layer(0, { mediaType: 'application/vnd.example.data.v1.tar' })],
      }),
    );
    expect(parsed.references.map((reference) => reference.mediaType)).toEqual([
      'application/vnd.example.config.v1+json',
      'application/vnd.example.data.v1.tar',
    ]);
    expect(parsed.artifactType).toBe('application/vnd.example.config.v1+json');
  });

  it('ignores unknown top-level fields', () => {
    expect(push(ociManifest({ 'com.example.extension': { any: ['thing'] } })).mediaType).toBe(
      MediaType.OciManifest,
    );
  });

  it('returns the manifest annotations', () => {
    const annotations = {
      'org.opencontainers.image.created': '2024-01-01T00:00:00Z',
      'com.example.empty': '',
    };
    expect(push(ociManifest({ annotations })).annotations).toEqual(annotations);
  });

  it('accepts descriptors with annotations and embedded data', () => {
    const parsed = push(
      ociManifest({
        config: {
          mediaType: MediaType.OciEmpty,
          digest: EMPTY_JSON_DIGEST,
          size: 2,
          data: 'e30=',
          annotations: { a: 'b' },
        },
        layers: [layer(0, { annotations: { 'org.opencontainers.image.title': 'file.txt' } })],
        artifactType: 'application/vnd.example+type',
      }),
    );
    expect(parsed.references[0]).toEqual({
      digest: EMPTY_JSON_DIGEST,
      kind: 'config',
      mediaType: MediaType.OciEmpty,
      size: 2,
      required: true,
    });
  });
});

describe('parseManifest: artifactType', () => {
  it('takes a declared artifactType over the config media type', () => {
    const parsed = push(
      ociManifest({
        artifactType: 'application/vnd.example.sbom.v1',
        config: config({ mediaType: MediaType.OciEmpty, digest: EMPTY_JSON_DIGEST, size: 2 }),
      }),
    );
    expect(parsed.artifactType).toBe('application/vnd.example.sbom.v1');
  });

  it('falls back to the config media type when absent', () => {
    expect(
      push(ociManifest({ config: config({ mediaType: 'application/vnd.example.sig' }) })).artifactType,
    ).toBe('application/vnd.example.sig');
  });

  it('treats an empty artifactType as missing (distribution-spec, referrers)', () => {
    expect(push(ociManifest({ artifactType: '' })).artifactType).toBe(MediaType.OciConfig);
  });

  it('keeps a declared artifactType on an index', () => {
    expect(push(ociIndex({ artifactType: 'application/vnd.example.bundle' })).artifactType).toBe(
      'application/vnd.example.bundle',
    );
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
  ])('omits the artifactType of an index when it is %s', (_label, artifactType) => {
    const parsed = push(ociIndex(artifactType === undefined ? {} : { artifactType }));
    expect(parsed).not.toHaveProperty('artifactType');
  });

  it.each([
    ['a number', 1],
    ['null', null],
    ['an object', { mediaType: 'a/b' }],
    ['not a media type', 'sbom'],
    ['a media type with parameters', 'application/vnd.example; v=1'],
    ['whitespace', ' '],
  ])('refuses an artifactType that is %s', (_label, artifactType) => {
    expectInvalid(() => push(ociManifest({ artifactType })), 'artifactType');
    expectInvalid(() => push(ociIndex({ artifactType })), 'artifactType');
  });
});

describe('parseManifest: subject', () => {
  it('returns the subject, and does not require it to exist', () => {
    const parsed = push(ociManifest({ subject: subject() }));
    expect(parsed.subject).toEqual(subject());
    expect(parsed.references.map((reference) => reference.digest)).not.toContain(SUBJECT_DIGEST);
  });

  it('accepts a subject on an index', () => {
    const parsed = push(ociIndex({ subject: subject({ mediaType: MediaType.OciIndex }) }));
    expect(parsed.subject?.digest).toBe(SUBJECT_DIGEST);
    expect(parsed.references.every((reference) => reference.kind === 'manifest')).toBe(true);
  });

  it.each([
    ['null', null],
    ['a digest string', SUBJECT_DIGEST],
    ['an array', [subject()]],
    ['a descriptor without size', (({ size: _size, ...rest }) => rest)(subject())],
    ['a descriptor with a negative size', subject({ size: -1 })],
    ['a descriptor with an uppercase digest', subject({ digest: upperHex(SUBJECT_DIGEST) })],
    ['a descriptor with a bad media type', subject({ mediaType: 'manifest' })],
  ])('refuses a subject that is %s', (_label, value) => {
    expectInvalid(() => push(ociManifest({ subject: value })), 'subject');
  });
});

describe('parseManifest: foreign layers', () => {
  it.each([
    [
      'Docker foreign layer with urls',
      MediaType.DockerForeignLayer,
      ['https://example.com/layer.tar.gz'],
      false,
    ],
    [
      'OCI non-distributable tar with urls',
      MediaType.OciLayerNondistributableTar,
      ['https://example.com/l'],
      false,
    ],
    [
      'OCI non-distributable tar+gzip with urls',
      MediaType.OciLayerNondistributableTarGzip,
      ['https://a', 'https://b'],
      false,
    ],
    [
      'OCI non-distributable tar+zstd with urls',
      MediaType.OciLayerNondistributableTarZstd,
      ['https://a'],
      false,
    ],
    ['Docker foreign layer without urls', MediaType.DockerForeignLayer, undefined, true],
    ['Docker foreign layer with empty urls', MediaType.DockerForeignLayer, [], true],
    ['OCI non-distributable layer without urls', MediaType.OciLayerNondistributableTarGzip, undefined, true],
    ['ordinary layer with urls', MediaType.OciLayerTarGzip, ['https://example.com/layer'], true],
  ])('%s → required %p', (_label, mediaType, urls, required) => {
    const foreign = layer(1, { mediaType, ...(urls && { urls }) });
    const parsed = push(ociManifest({ layers: [layer(0), foreign] }));
    expect(parsed.references[2]).toEqual({
      digest: LAYER_DIGESTS[1],
      kind: 'layer',
      mediaType,
      size: 32655,
      required,
    });
    expect(parsed.references[1]?.required).toBe(true);
  });

  it('works in Docker schema 2 manifests (Windows base layers)', () => {
    const parsed = push(
      dockerManifest({
        layers: [
          layer(0, { mediaType: MediaType.DockerForeignLayer, urls: ['https://mcr.microsoft.com/l'] }),
        ],
      }),
    );
    expect(parsed.references[1]?.required).toBe(false);
  });

  it('still validates the urls', () => {
    expectInvalid(
      () =>
        push(ociManifest({ layers: [layer(0, { mediaType: MediaType.DockerForeignLayer, urls: [42] })] })),
      'layers[0]',
    );
  });
});

describe('parseManifest: OCI image index', () => {
  it('extracts the children as required manifest references', () => {
    const parsed = push(ociIndex());
    expect(parsed.mediaType).toBe(MediaType.OciIndex);
    expect(parsed.references).toEqual([
      {
        digest: d('child-0'),
        kind: 'manifest',
        mediaType: MediaType.OciManifest,
        size: 7143,
        required: true,
      },
      {
        digest: d('child-1'),
        kind: 'manifest',
        mediaType: MediaType.OciManifest,
        size: 7144,
        required: true,
      },
    ]);
    expect(parsed).not.toHaveProperty('artifactType');
  });

  it('accepts an empty manifests array', () => {
    expect(push(ociIndex({ manifests: [] })).references).toEqual([]);
  });

  it('accepts nested indexes, children without platform and unknown child media types', () => {
    const parsed = push(
      ociIndex({
        manifests: [
          child(0, { mediaType: MediaType.OciIndex }),
          (({ platform: _platform, ...rest }) => rest)(child(1)),
          child(2, { mediaType: 'application/vnd.example.future.manifest.v9+json' }),
        ],
      }),
    );
    expect(parsed.references.map((reference) => reference.mediaType)).toEqual([
      MediaType.OciIndex,
      MediaType.OciManifest,
      'application/vnd.example.future.manifest.v9+json',
    ]);
  });

  it('accepts full platforms', () => {
    const platform = {
      architecture: 'amd64',
      os: 'windows',
      'os.version': '10.0.17763.1040',
      'os.features': ['win32k'],
      variant: 'v2',
    };
    expect(push(ociIndex({ manifests: [child(0, { platform })] })).references).toHaveLength(1);
  });

  it.each([
    ['the OCI index Content-Type', MediaType.OciIndex],
    ['no Content-Type (shape)', undefined],
    ['application/json (shape)', 'application/json'],
  ])('accepts an index without mediaType given %s', (_label, contentType) => {
    const document = ociIndex();
    delete document.mediaType;
    expect(pushAs(document, contentType).mediaType).toBe(MediaType.OciIndex);
  });

  it('returns the index annotations', () => {
    expect(push(ociIndex({ annotations: { 'com.example.a': 'b' } })).annotations).toEqual({
      'com.example.a': 'b',
    });
  });

  it.each([
    ['missing manifests', { manifests: undefined }, 'manifests'],
    ['manifests null', { manifests: null }, 'manifests'],
    ['manifests an object', { manifests: { 0: child(0) } }, 'manifests'],
    ['manifests a string', { manifests: 'x' }, 'manifests'],
    ['a null child', { manifests: [child(0), null] }, 'manifests[1]'],
    ['a child with a bad digest', { manifests: [child(0, { digest: 'sha256:abc' })] }, 'manifests[0]'],
    ['a child with a string size', { manifests: [child(0, { size: '7143' })] }, 'manifests[0]'],
    ['a child with a float size', { manifests: [child(0, { size: 1.1 })] }, 'manifests[0]'],
    ['a child with a negative size', { manifests: [child(0, { size: -7143 })] }, 'manifests[0]'],
    ['a child with a bad media type', { manifests: [child(0, { mediaType: 'manifest' })] }, 'manifests[0]'],
    [
      'a child without platform os',
      { manifests: [child(0, { platform: { architecture: 'amd64' } })] },
      'manifests[0]',
    ],
    [
      'a child with non-string annotations',
      { manifests: [child(0, { annotations: { a: 1 } })] },
      'manifests[0]',
    ],
    ['non-string annotations', { annotations: { 'com.example.n': 1 } }, 'annotations'],
  ])('refuses %s', (_label, overrides, where) => {
    expectInvalid(() => push(ociIndex(overrides)), where);
  });
});

describe('parseManifest: Docker schema 2', () => {
  it('parses an image manifest', () => {
    const parsed = push(dockerManifest());
    expect(parsed.mediaType).toBe(MediaType.DockerManifest);
    expect(parsed.references).toEqual([
      {
        digest: CONFIG_DIGEST,
        kind: 'config',
        mediaType: MediaType.DockerConfig,
        size: 7023,
        required: true,
      },
      {
        digest: LAYER_DIGESTS[0],
        kind: 'layer',
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: 32654,
        required: true,
      },
    ]);
    expect(parsed.artifactType).toBe(MediaType.DockerConfig);
  });

  it('parses a manifest list', () => {
    const parsed = push(dockerManifestList());
    expect(parsed.mediaType).toBe(MediaType.DockerManifestList);
    expect(parsed.references.map((reference) => [reference.kind, reference.mediaType])).toEqual([
      ['manifest', MediaType.DockerManifest],
      ['manifest', MediaType.DockerManifest],
    ]);
  });

  it.each([
    ['manifest', dockerManifest, MediaType.DockerManifest],
    ['manifest list', dockerManifestList, MediaType.DockerManifestList],
  ])('accepts a %s pushed without Content-Type', (_label, make, mediaType) => {
    expect(pushAs(make(), undefined).mediaType).toBe(mediaType);
  });

  it.each([
    ['manifest', dockerManifest, MediaType.DockerManifest],
    ['manifest list', dockerManifestList, MediaType.DockerManifestList],
  ])('refuses a %s that does not declare its mediaType', (_label, make, contentType) => {
    const document = make();
    delete document.mediaType;
    expectInvalid(() => pushAs(document, contentType), 'must declare');
  });
});

describe('parseManifest: bytes and digest', () => {
  it('keeps the exact bytes and digests them with sha256', () => {
    const bytes = Buffer.from(`  ${JSON.stringify(ociManifest(), null, 3)}\n\n`);
    const parsed = parseManifest(bytes, MediaType.OciManifest);
    expect(parsed.bytes).toBe(bytes);
    expect(parsed.bytes.equals(bytes)).toBe(true);
    expect(parsed.digest).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  });

  it('gives semantically equal manifests with different bytes different digests', () => {
    const compact = parseManifest(bytesOf(ociManifest()), MediaType.OciManifest);
    const pretty = parseManifest(Buffer.from(JSON.stringify(ociManifest(), null, 2)), MediaType.OciManifest);
    const reordered = parseManifest(
      bytesOf({
        layers: ociManifest().layers,
        config: config(),
        mediaType: MediaType.OciManifest,
        schemaVersion: 2,
      }),
      MediaType.OciManifest,
    );
    expect(new Set([compact.digest, pretty.digest, reordered.digest]).size).toBe(3);
    expect(compact.references).toEqual(pretty.references);
    expect(compact.references).toEqual(reordered.references);
  });

  it('digests the raw UTF-8 bytes of non-ASCII content', () => {
    const bytes = Buffer.from(
      JSON.stringify(ociManifest({ annotations: { 'com.example.title': 'Café 🐳 \u2028' } })),
    );
    const parsed = parseManifest(bytes, MediaType.OciManifest);
    expect(parsed.annotations).toEqual({ 'com.example.title': 'Café 🐳 \u2028' });
    expect(parsed.digest).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  });

  it('is stable: the same bytes always give the same digest', () => {
    const bytes = bytesOf(ociIndex());
    expect(parseManifest(bytes, undefined).digest).toBe(parseManifest(Buffer.from(bytes), undefined).digest);
  });
});

describe('parseManifest: size limit', () => {
  it('accepts a manifest of exactly MAX_MANIFEST_BYTES', () => {
    const parsed = parseManifest(manifestOfSize(MAX_MANIFEST_BYTES), MediaType.OciManifest);
    expect(parsed.bytes.length).toBe(MAX_MANIFEST_BYTES);
  });

  it.each([
    ['one byte over the limit, otherwise valid', () => manifestOfSize(MAX_MANIFEST_BYTES + 1)],
    ['far over the limit', () => manifestOfSize(8 * 1024 * 1024)],
    ['over the limit and not even JSON', () => Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x7b)],
  ])('refuses a manifest %s with MANIFEST_TOO_LARGE (413)', (_label, make) => {
    const error = thrown(() => parseManifest(make(), MediaType.OciManifest));
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ kind: 'MANIFEST_TOO_LARGE', code: 'SIZE_INVALID', status: 413 });
  });
});

describe('parseManifest: not a manifest', () => {
  it.each([
    ['empty', ''],
    ['whitespace', '   \n'],
    ['plain text', 'not json'],
    ['truncated JSON', JSON.stringify(ociManifest()).slice(0, -1)],
    ['trailing garbage', `${JSON.stringify(ociManifest())}x`],
    ['two documents', `${JSON.stringify(ociManifest())}${JSON.stringify(ociManifest())}`],
    ['a byte order mark', `\uFEFF${JSON.stringify(ociManifest())}`],
    ['single quotes', "{'schemaVersion': 2}"],
    ['a trailing comma', '{"schemaVersion": 2,}'],
    ['a comment', '{"schemaVersion": 2 /* two */}'],
    ['NaN', '{"schemaVersion": NaN}'],
    ['YAML', 'schemaVersion: 2\nmediaType: application/vnd.oci.image.manifest.v1+json\n'],
  ])('refuses %s as not JSON', (_label, text) => {
    expectInvalid(() => parseManifest(Buffer.from(text), MediaType.OciManifest), 'not valid JSON');
  });

  it('refuses binary content as not JSON', () => {
    expectInvalid(
      () => parseManifest(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]), undefined),
      'not valid JSON',
    );
  });

  it.each([
    ['an array', [ociManifest()]],
    ['an empty array', []],
    ['a string', 'manifest'],
    ['a number', 2],
    ['null', null],
    ['true', true],
  ])('refuses JSON that is %s', (_label, value) => {
    expectInvalid(() => parseManifest(bytesOf(value), MediaType.OciManifest), 'JSON object');
  });

  it.each([
    ['missing', undefined],
    ['1', 1],
    ['"2"', '2'],
    ['3', 3],
    ['0', 0],
    ['-2', -2],
    ['2.5', 2.5],
    ['null', null],
    ['[2]', [2]],
    ['{}', {}],
    ['true', true],
  ])('refuses schemaVersion %s', (_label, schemaVersion) => {
    expectInvalid(() => push(ociManifest({ schemaVersion })), 'schemaVersion');
    expectInvalid(() => push(ociIndex({ schemaVersion })), 'schemaVersion');
  });
});

describe('parseManifest: media type and Content-Type', () => {
  it.each([
    ['an index Content-Type', MediaType.OciIndex],
    ['a Docker manifest Content-Type', MediaType.DockerManifest],
    ['a Docker manifest list Content-Type', MediaType.DockerManifestList],
    ['application/json', 'application/json'],
    ['application/octet-stream', 'application/octet-stream'],
    ['text/plain', 'text/plain'],
    ['a config Content-Type', MediaType.OciConfig],
  ])('refuses an OCI manifest pushed with %s', (_label, contentType) => {
    expectInvalid(() => pushAs(ociManifest(), contentType), 'does not match');
  });

  it('refuses an index pushed with the manifest Content-Type', () => {
    expectInvalid(() => pushAs(ociIndex(), MediaType.OciManifest), 'does not match');
  });

  it('refuses a Docker manifest pushed with the OCI Content-Type', () => {
    expectInvalid(() => pushAs(dockerManifest(), MediaType.OciManifest), 'does not match');
  });

  it.each([
    ['schema 1', MediaType.DockerManifestSchema1],
    ['signed schema 1', MediaType.DockerManifestSchema1Signed],
  ])('refuses %s with a message saying so', (_label, mediaType) => {
    expectInvalid(() => push(ociManifest({ mediaType })), 'schema 1');
    expectInvalid(() => pushAs(ociManifest({ mediaType }), undefined), 'schema 1');
  });

  it('refuses a real schema 1 manifest', () => {
    const schema1 = {
      schemaVersion: 1,
      name: 'library/hello',
      tag: 'latest',
      architecture: 'amd64',
      fsLayers: [{ blobSum: LAYER_DIGESTS[0] }],
      history: [{ v1Compatibility: '{}' }],
      signatures: [{ header: { alg: 'ES256' }, signature: 'x', protected: 'y' }],
    };
    expectInvalid(() => pushAs(schema1, MediaType.DockerManifestSchema1Signed));
    expectInvalid(() => pushAs(schema1, MediaType.DockerManifestSchema1));
    expectInvalid(() => pushAs(schema1, undefined));
  });

  it.each([
    ['a number', 2],
    ['null', null],
    ['an array', [MediaType.OciManifest]],
  ])('refuses a mediaType that is %s', (_label, mediaType) => {
    expectInvalid(() => pushAs(ociManifest({ mediaType }), undefined), 'mediaType');
  });

  it.each([
    ['an unknown manifest type', 'application/vnd.example.manifest.v1+json'],
    ['the config type', MediaType.OciConfig],
    ['a layer type', MediaType.OciLayerTarGzip],
    ['application/json', 'application/json'],
    ['the OCI manifest type in upper case', MediaType.OciManifest.toUpperCase()],
    ['an empty string', ''],
  ])('refuses a declared mediaType that is %s', (_label, mediaType) => {
    expectInvalid(() => pushAs(ociManifest({ mediaType }), undefined), 'mediaType');
    expectInvalid(() => pushAs(ociManifest({ mediaType }), mediaType), 'mediaType');
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['schema 1', MediaType.DockerManifestSchema1],
    ['a layer type', MediaType.OciLayerTarGzip],
    ['an unknown type', 'application/vnd.example.manifest.v1+json'],
  ])('refuses an undeclared manifest pushed with Content-Type %s', (_label, contentType) => {
    const document = ociManifest();
    delete document.mediaType;
    expectInvalid(() => pushAs(document, contentType), 'Content-Type');
  });

  it.each([
    ['nothing', { schemaVersion: 2 }],
    ['config not an object', { schemaVersion: 2, config: 'x', layers: [] }],
    ['layers only', { schemaVersion: 2, layers: [layer(0)] }],
    ['manifests not an array', { schemaVersion: 2, manifests: {} }],
  ])('refuses an undeclared document with a generic Content-Type and %s', (_label, document) => {
    expectInvalid(() => pushAs(document, undefined), 'set mediaType');
    expectInvalid(() => pushAs(document, 'application/json'), 'set mediaType');
  });

  it('refuses an undeclared index pushed with the manifest Content-Type', () => {
    const document = ociIndex();
    delete document.mediaType;
    expectInvalid(() => pushAs(document, MediaType.OciManifest), 'expected manifest, found index');
  });
});

describe('parseManifest: ambiguous documents (CVE-2021-41190)', () => {
  const both = { config: config(), layers: [layer(0)], manifests: [child(0)] };

  it.each([
    ['an OCI manifest with manifests', () => push(ociManifest({ manifests: [child(0)] }))],
    ['an OCI manifest with an empty manifests', () => push(ociManifest({ manifests: [] }))],
    ['a Docker manifest with manifests', () => push(dockerManifest({ manifests: [child(0)] }))],
    ['an OCI index with config', () => push(ociIndex({ config: config() }))],
    ['an OCI index with layers', () => push(ociIndex({ layers: [] }))],
    ['a Docker manifest list with layers', () => push(dockerManifestList({ layers: [layer(0)] }))],
    ['an undeclared document with both, by shape', () => pushAs({ schemaVersion: 2, ...both }, undefined)],
    [
      'an undeclared document with both, as a manifest',
      () => pushAs({ schemaVersion: 2, ...both }, MediaType.OciManifest),
    ],
    [
      'an undeclared document with both, as an index',
      () => pushAs({ schemaVersion: 2, ...both }, MediaType.OciIndex),
    ],
  ])('refuses %s', (_label, parse) => {
    expectInvalid(parse, 'expected');
  });

  it('tolerates null for the other kind’s fields, as Go clients do', () => {
    expect(push(ociManifest({ manifests: null })).mediaType).toBe(MediaType.OciManifest);
    expect(push(ociIndex({ config: null, layers: null })).mediaType).toBe(MediaType.OciIndex);
  });
});

describe('parseManifest: malformed image manifests', () => {
  const withoutConfig = (({ config: _config, ...rest }) => rest)(ociManifest());
  const withoutLayers = (({ layers: _layers, ...rest }) => rest)(ociManifest());

  it.each([
    ['missing config', withoutConfig, 'config'],
    ['config null', ociManifest({ config: null }), 'config'],
    ['config an array', ociManifest({ config: [config()] }), 'config'],
    ['config a digest string', ociManifest({ config: CONFIG_DIGEST }), 'config'],
    ['config without digest', ociManifest({ config: { mediaType: MediaType.OciConfig, size: 1 } }), 'config'],
    [
      'config with an uppercase digest',
      ociManifest({ config: config({ digest: upperHex(CONFIG_DIGEST) }) }),
      'config',
    ],
    ['config with a negative size', ociManifest({ config: config({ size: -1 }) }), 'config'],
    ['config with a bad media type', ociManifest({ config: config({ mediaType: 'config' }) }), 'config'],
    ['missing layers', withoutLayers, 'layers'],
    ['layers null', ociManifest({ layers: null }), 'layers'],
    ['layers an object', ociManifest({ layers: { 0: layer(0) } }), 'layers'],
    ['layers a string', ociManifest({ layers: LAYER_DIGESTS[0] }), 'layers'],
    ['layers a number', ociManifest({ layers: 3 }), 'layers'],
    ['a null layer', ociManifest({ layers: [layer(0), null] }), 'layers[1]'],
    ['a string layer', ociManifest({ layers: [LAYER_DIGESTS[0]] }), 'layers[0]'],
    ['a layer with a negative size', ociManifest({ layers: [layer(0, { size: -1 })] }), 'layers[0]'],
    ['a layer with a float size', ociManifest({ layers: [layer(0, { size: 32654.5 })] }), 'layers[0]'],
    [
      'a layer with a string size',
      ociManifest({ layers: [layer(0), layer(1, { size: '32655' })] }),
      'layers[1]',
    ],
    ['a layer with an unsafe size', ociManifest({ layers: [layer(0, { size: 2 ** 64 })] }), 'layers[0]'],
    [
      'a layer without size',
      ociManifest({ layers: [{ mediaType: MediaType.OciLayerTar, digest: LAYER_DIGESTS[0] }] }),
      'layers[0]',
    ],
    [
      'a layer with an uppercase digest',
      ociManifest({ layers: [layer(0, { digest: upperHex(LAYER_DIGESTS[0]!) })] }),
      'layers[0]',
    ],
    [
      'a layer with a short digest',
      ociManifest({ layers: [layer(0, { digest: LAYER_DIGESTS[0]!.slice(0, -1) })] }),
      'layers[0]',
    ],
    [
      'a layer with an md5 digest',
      ociManifest({ layers: [layer(0, { digest: 'md5:d41d8cd98f00b204e9800998ecf8427e' })] }),
      'layers[0]',
    ],
    ['a layer with an empty digest', ociManifest({ layers: [layer(0, { digest: '' })] }), 'layers[0]'],
    [
      'a layer with a bare hex digest',
      ociManifest({ layers: [layer(0, { digest: LAYER_DIGESTS[0]!.slice(7) })] }),
      'layers[0]',
    ],
    [
      'a layer without mediaType',
      ociManifest({ layers: [{ digest: LAYER_DIGESTS[0], size: 1 }] }),
      'layers[0]',
    ],
    [
      'a layer with a bad media type',
      ociManifest({ layers: [layer(0, { mediaType: 'tar+gzip' })] }),
      'layers[0]',
    ],
    [
      'a layer media type with parameters',
      ociManifest({ layers: [layer(0, { mediaType: 'application/x-tar; v=1' })] }),
      'layers[0]',
    ],
    [
      'a layer with non-string annotations',
      ociManifest({ layers: [layer(0, { annotations: { n: 1 } })] }),
      'layers[0]',
    ],
    [
      'a layer with urls a string',
      ociManifest({ layers: [layer(0, { urls: 'https://example.com' })] }),
      'layers[0]',
    ],
    ['a layer with non-base64 data', ociManifest({ layers: [layer(0, { data: '%%%' })] }), 'layers[0]'],
    ['annotations with a number value', ociManifest({ annotations: { 'com.example.n': 1 } }), 'annotations'],
    [
      'annotations with a boolean value',
      ociManifest({ annotations: { 'com.example.b': false } }),
      'annotations',
    ],
    ['annotations with a null value', ociManifest({ annotations: { 'com.example.z': null } }), 'annotations'],
    [
      'annotations with an object value',
      ociManifest({ annotations: { 'com.example.o': {} } }),
      'annotations',
    ],
    ['annotations an array', ociManifest({ annotations: [['k', 'v']] }), 'annotations'],
    ['annotations a string', ociManifest({ annotations: 'k=v' }), 'annotations'],
    ['annotations null', ociManifest({ annotations: null }), 'annotations'],
  ])('refuses %s', (_label, document, where) => {
    expectInvalid(() => pushAs(document, MediaType.OciManifest), where);
  });

  it('reports the first bad layer by index', () => {
    const error = expectInvalid(() =>
      push(ociManifest({ layers: [layer(0), layer(1), layer(2, { size: -5 })] })),
    );
    expect(error.message).toMatch(/^layers\[2\]: /);
  });
});

describe('parseManifest: result shape', () => {
  it('only sets optional fields that are present', () => {
    const parsed: ParsedManifest = push(ociIndex());
    expect(Object.keys(parsed).sort()).toEqual(['bytes', 'digest', 'mediaType', 'references']);
  });

  it('sets every optional field when present', () => {
    const parsed = push(
      ociManifest({
        subject: subject(),
        annotations: { a: 'b' },
        artifactType: 'application/vnd.example+type',
      }),
    );
    expect(Object.keys(parsed).sort()).toEqual([
      'annotations',
      'artifactType',
      'bytes',
      'digest',
      'mediaType',
      'references',
      'subject',
    ]);
  });
});
