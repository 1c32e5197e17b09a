import { digestOf, type Digest } from './digest.js';
import { isRecord, parseAnnotations, parseDescriptor, type Descriptor } from './descriptor.js';
import { RegistryError } from './errors.js';
import {
  baseMediaType,
  isForeignLayerMediaType,
  isIndexMediaType,
  isManifestMediaType,
  isValidMediaType,
  MediaType,
  type ManifestMediaType,
} from './media-types.js';

/** The registry's limit on manifest bodies; the spec recommends accepting at least 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** What a manifest points at, and what must therefore exist before it may be stored. */
export interface ManifestReference {
  digest: Digest;
  /** `config` and `layer` are blobs; `manifest` is a child of an index. */
  kind: 'config' | 'layer' | 'manifest';
  mediaType: string;
  size: number;
  /** Foreign layers need not be present in the registry. */
  required: boolean;
}

/** A manifest after validation: its bytes untouched, its meaning extracted. */
export interface ParsedManifest {
  digest: Digest;
  mediaType: ManifestMediaType;
  bytes: Buffer;
  references: ManifestReference[];
  subject?: Descriptor;
  /** The referrers API's artifactType: the field itself, else the config's media type. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

function invalid(message: string): RegistryError {
  return new RegistryError('MANIFEST_INVALID', message);
}

/**
 * Decides the manifest's media type from its `mediaType` field and the request's Content-Type.
 * The spec: when the field is present, Content-Type must match it. When it is absent (allowed
 * for OCI), the Content-Type decides, and a generic or missing one falls back to the shape.
 */
function resolveMediaType(
  document: Record<string, unknown>,
  contentType: string | undefined,
): ManifestMediaType {
  const declared = document.mediaType;
  const header = baseMediaType(contentType);
  if (declared !== undefined) {
    if (typeof declared !== 'string') throw invalid('mediaType must be a string');
    if (header !== undefined && header !== declared.toLowerCase()) {
      throw invalid(`Content-Type ${header} does not match the manifest mediaType ${declared}`);
    }
    if (declared === MediaType.DockerManifestSchema1 || declared === MediaType.DockerManifestSchema1Signed) {
      throw invalid('Docker schema 1 manifests are not supported; push schema 2 or OCI');
    }
    if (!isManifestMediaType(declared)) throw invalid(`unsupported manifest mediaType ${declared}`);
    return declared;
  }
  if (header !== undefined && isManifestMediaType(header)) {
    if (header === MediaType.DockerManifest || header === MediaType.DockerManifestList) {
      throw invalid('Docker schema 2 manifests must declare their mediaType');
    }
    return header;
  }
  if (header !== undefined && header !== 'application/json' && header !== 'application/octet-stream') {
    throw invalid(`unsupported manifest Content-Type ${header}`);
  }
  if (Array.isArray(document.manifests)) return MediaType.OciIndex;
  if (isRecord(document.config)) return MediaType.OciManifest;
  throw invalid('cannot tell what kind of manifest this is: set mediaType');
}

/**
 * Parses and validates a manifest exactly as pushed. Throws `MANIFEST_INVALID` (or
 * `MANIFEST_TOO_LARGE`) with a message that tells the client what is wrong.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) throw new RegistryError('MANIFEST_TOO_LARGE');
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('manifest is not valid JSON');
  }
  if (!isRecord(document)) throw invalid('manifest must be a JSON object');
  if (document.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  const mediaType = resolveMediaType(document, contentType);
  const body = isIndexMediaType(mediaType) ? parseIndexBody(document) : parseImageBody(document);
  const subject = document.subject === undefined ? undefined : parseDescriptor(document.subject, 'subject');
  const annotations =
    document.annotations === undefined ? undefined : parseAnnotations(document.annotations, 'annotations');
  const declaredArtifactType = document.artifactType;
  if (declaredArtifactType !== undefined && typeof declaredArtifactType !== 'string') {
    throw invalid('artifactType must be a string');
  }
  // The distribution-spec treats an empty artifactType as a missing one.
  if (
    declaredArtifactType !== undefined &&
    declaredArtifactType !== '' &&
    !isValidMediaType(declaredArtifactType)
  ) {
    throw invalid('artifactType must be a valid media type');
  }
  const artifactType = declaredArtifactType || body.configMediaType;
  return {
    digest: digestOf(bytes),
    mediaType,
    bytes,
    references: body.references,
    ...(subject && { subject }),
    ...(artifactType !== undefined && { artifactType }),
    ...(annotations && { annotations }),
  };
}

interface Body {
  references: ManifestReference[];
  configMediaType?: string;
}

// A document must not be readable both as a manifest and as an index (CVE-2021-41190).
function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function parseImageBody(document: Record<string, unknown>): Body {
  if (isPresent(document.manifests))
    throw invalid('a manifest must not have manifests: expected manifest, found index');
  const config = parseDescriptor(document.config, 'config');
  if (!Array.isArray(document.layers)) throw invalid('layers must be an array');
  const layers = document.layers.map((layer, i) => parseDescriptor(layer, `layers[${i}]`));
  return {
    configMediaType: config.mediaType,
    references: [
      {
        digest: config.digest,
        kind: 'config',
        mediaType: config.mediaType,
        size: config.size,
        required: true,
      },
      ...layers.map((layer): ManifestReference => ({
        digest: layer.digest,
        kind: 'layer',
        mediaType: layer.mediaType,
        size: layer.size,
        required: !(isForeignLayerMediaType(layer.mediaType) && (layer.urls?.length ?? 0) > 0),
      })),
    ],
  };
}

function parseIndexBody(document: Record<string, unknown>): Body {
  if (isPresent(document.config) || isPresent(document.layers)) {
    throw invalid('an index must not have config or layers: expected index, found manifest');
  }
  if (!Array.isArray(document.manifests)) throw invalid('manifests must be an array');
  const children = document.manifests.map((entry, i) => parseDescriptor(entry, `manifests[${i}]`));
  return {
    references: children.map((child) => ({
      digest: child.digest,
      kind: 'manifest',
      mediaType: child.mediaType,
      size: child.size,
      required: true,
    })),
  };
}
