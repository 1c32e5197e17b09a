import { createHash, type Hash } from 'node:crypto';
import { RegistryError } from './errors.js';

/** Digest algorithms Berth computes and verifies. */
export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

/** `<algorithm>:<hex>`, validated. Use `parseDigest` to obtain one from client input. */
export type Digest = `${DigestAlgorithm}:${string}`;

// The image-spec grammar: algorithm-component ([+._-] algorithm-component)* ":" encoded.
const GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * Parses and validates a digest from client input. Grammatically valid digests of algorithms
 * Berth does not implement are refused too, since their content could never be verified.
 * Throws `RegistryError('DIGEST_INVALID')`.
 */
export function parseDigest(value: string): Digest {
  if (value.length > 256 || !GRAMMAR.test(value)) {
    throw new RegistryError('DIGEST_INVALID', `invalid digest ${JSON.stringify(value.slice(0, 200))}`);
  }
  const separator = value.indexOf(':');
  const algorithm = value.slice(0, separator);
  const hex = value.slice(separator + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new RegistryError('DIGEST_INVALID', `unsupported digest algorithm ${algorithm}`);
  }
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) {
    throw new RegistryError('DIGEST_INVALID', `invalid ${algorithm} digest ${JSON.stringify(value)}`);
  }
  return value as Digest;
}

export function isDigest(value: string): value is Digest {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

export function digestAlgorithm(digest: Digest): DigestAlgorithm {
  return digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
}

export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/** The digest of bytes held in memory (manifests; never blobs, which stream). */
export function digestOf(content: Buffer | string, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(content).digest('hex')}`;
}

/** An incremental digester for streamed content. */
export class Digester {
  private readonly hash: Hash;
  private bytes = 0;

  constructor(readonly algorithm: DigestAlgorithm = 'sha256') {
    this.hash = createHash(algorithm);
  }

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  get size(): number {
    return this.bytes;
  }

  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest('hex')}`;
  }
}
