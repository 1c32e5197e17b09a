/** An image's platform, as an index's descriptor or an image config states it. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/**
 * The platforms of an index's children, in its order, from the bytes as pushed. Entries without
 * a platform, and BuildKit's attestation manifests (`unknown/unknown`), are left out; so is
 * anything unreadable: a listing never fails over a platform.
 */
export function indexPlatforms(payload: Buffer): Platform[] {
  const document = parse(payload);
  const entries = document && Array.isArray(document.manifests) ? (document.manifests as unknown[]) : [];
  const platforms: Platform[] = [];
  for (const entry of entries) {
    const platform = platformOf(isRecord(entry) ? entry.platform : undefined);
    if (platform && platform.os !== 'unknown' && platform.architecture !== 'unknown')
      platforms.push(platform);
  }
  return platforms;
}

/** The platform an image config (`application/vnd.oci.image.config.v1+json`) declares. */
export function configPlatform(config: Buffer): Platform | undefined {
  return platformOf(parse(config));
}

function platformOf(value: unknown): Platform | undefined {
  if (!isRecord(value)) return undefined;
  const { os, architecture, variant } = value;
  if (typeof os !== 'string' || typeof architecture !== 'string' || os === '' || architecture === '')
    return undefined;
  return { os, architecture, ...(typeof variant === 'string' && variant !== '' && { variant }) };
}

function parse(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
