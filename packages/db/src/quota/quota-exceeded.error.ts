/**
 * A manifest push would take its project past its storage limit. Thrown by
 * `ManifestRecords.save` after rolling the push back; the registry answers it with `DENIED`.
 * The figures are those seen under the project's usage lock, so they are exact.
 */
export class QuotaExceededError extends Error {
  override readonly name = 'QuotaExceededError';

  constructor(
    readonly project: string,
    /** The project's limit in bytes. */
    readonly storageLimitBytes: number,
    /** What the project used before this push. */
    readonly storageUsedBytes: number,
    /** What this push would add (digests new to the project only). */
    readonly requiredBytes: number,
  ) {
    super(
      `storage quota exceeded: project ${project} uses ${bytes(storageUsedBytes)} of its ` +
        `${bytes(storageLimitBytes)} limit and this push needs ${bytes(requiredBytes)} more`,
    );
  }
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `1536 bytes (1.5 KiB)`: exact for scripts, readable for people. */
function bytes(count: number): string {
  if (count < 1024) return `${count} bytes`;
  let value = count;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${count} bytes (${Number(value.toFixed(1))} ${UNITS[unit]})`;
}
