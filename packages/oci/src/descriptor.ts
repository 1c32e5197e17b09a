import { isDigest, type Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { isValidMediaType } from './media-types.js';

/** An OCI content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: Platform;
  data?: string;
}

export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// RFC 4648 section 4 (standard alphabet, padded), as the image-spec requires for `data`.
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function invalid(where: string, why: string): RegistryError {
  return new RegistryError('MANIFEST_INVALID', `${where}: ${why}`);
}

/** Validates an untrusted JSON value as a descriptor. `where` names it in error messages. */
export function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isRecord(value)) throw invalid(where, 'descriptor must be an object');
  const { mediaType, digest, size, urls, annotations, artifactType, platform, data } = value;
  if (typeof mediaType !== 'string' || !isValidMediaType(mediaType)) {
    throw invalid(where, 'mediaType is missing or malformed');
  }
  if (typeof digest !== 'string' || !isDigest(digest)) throw invalid(where, 'digest is missing or malformed');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(where, 'size must be a non-negative integer');
  }
  if (urls !== undefined && (!Array.isArray(urls) || !urls.every((url) => typeof url === 'string'))) {
    throw invalid(where, 'urls must be an array of strings');
  }
  if (annotations !== undefined) parseAnnotations(annotations, where);
  if (artifactType !== undefined && (typeof artifactType !== 'string' || !isValidMediaType(artifactType))) {
    throw invalid(where, 'artifactType is malformed');
  }
  if (platform !== undefined) {
    if (!isRecord(platform) || typeof platform.architecture !== 'string' || typeof platform.os !== 'string') {
      throw invalid(where, 'platform needs architecture and os');
    }
    const features = platform['os.features'];
    if (
      (platform['os.version'] !== undefined && typeof platform['os.version'] !== 'string') ||
      (platform.variant !== undefined && typeof platform.variant !== 'string') ||
      (features !== undefined && (!Array.isArray(features) || !features.every((f) => typeof f === 'string')))
    ) {
      throw invalid(
        where,
        'platform os.version and variant must be strings, os.features an array of strings',
      );
    }
  }
  if (data !== undefined && (typeof data !== 'string' || !BASE64_PATTERN.test(data))) {
    throw invalid(where, 'data must be a base64 string');
  }
  return value as unknown as Descriptor;
}

export function parseAnnotations(value: unknown, where: string): Record<string, string> {
  if (!isRecord(value) || !Object.values(value).every((entry) => typeof entry === 'string')) {
    throw invalid(where, 'annotations must map strings to strings');
  }
  return value as Record<string, string>;
}
