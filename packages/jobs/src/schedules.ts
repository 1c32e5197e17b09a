/**
 * Schedules the worker keeps as BullMQ job schedulers. Their truth is a `system_settings` value
 * (written by the api, read by the worker every minute), so a schedule survives a Redis restart.
 */

/** Keys of `system_settings`. */
export const SETTINGS = {
  gcSchedule: 'gc.schedule',
} as const;

/** The GC schedule: `cron` `null` means no scheduled collection. */
export interface GcSchedule {
  /** 5-field cron pattern (minute hour day-of-month month day-of-week), in the worker's time zone. */
  cron: string | null;
  dryRun: boolean;
  deleteUntagged: boolean;
  graceSeconds: number;
}

/** The schedule before anyone set one: none, with the default options a manual run has. */
export function defaultGcSchedule(graceSeconds: number): GcSchedule {
  return { cron: null, dryRun: false, deleteUntagged: false, graceSeconds };
}

/**
 * The stored value as a `GcSchedule`, field by field: a missing or malformed field takes its
 * default (a value written by another version must not stop the worker).
 */
export function readGcSchedule(value: unknown, defaultGraceSeconds: number): GcSchedule {
  const fallback = defaultGcSchedule(defaultGraceSeconds);
  if (typeof value !== 'object' || value === null) return fallback;
  const stored = value as Partial<Record<keyof GcSchedule, unknown>>;
  const grace = stored.graceSeconds;
  return {
    cron: typeof stored.cron === 'string' && stored.cron.trim() !== '' ? stored.cron : null,
    dryRun: typeof stored.dryRun === 'boolean' ? stored.dryRun : fallback.dryRun,
    deleteUntagged:
      typeof stored.deleteUntagged === 'boolean' ? stored.deleteUntagged : fallback.deleteUntagged,
    graceSeconds:
      typeof grace === 'number' && Number.isSafeInteger(grace) && grace >= 0 ? grace : fallback.graceSeconds,
  };
}
