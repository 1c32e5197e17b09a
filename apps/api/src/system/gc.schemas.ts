import { GC_RUN_STATUSES } from '@berth/db';
import { arrayOf, defineSchema, ID, nullable, object, TIME } from '../openapi/schema.js';
import type { CustomProblem } from '../openapi/api-doc.decorator.js';
import { PROBLEM } from '../openapi/problem.schemas.js';

/** Garbage collection's bodies and answers (`gc.service.ts`, `gc-run.view.ts`), for the OpenAPI document. */

const GRACE_SECONDS = {
  type: 'integer',
  minimum: 0,
  maximum: 10 * 365 * 24 * 3600,
  description: 'Spares blobs uploaded or touched within this many seconds; default `BERTH_GC_GRACE_SECONDS`.',
} as const;

const OPTIONS = {
  dryRun: { type: 'boolean', default: false, description: 'Report what would be deleted; delete nothing.' },
  deleteUntagged: { type: 'boolean', default: false, description: 'Also delete manifests no tag reaches.' },
  graceSeconds: GRACE_SECONDS,
} as const;

export const GC_RUN_OPTIONS = defineSchema('GcRunOptions', object(OPTIONS, []));

export const GC_RUN = defineSchema(
  'GcRun',
  object(
    {
      id: ID,
      status: { type: 'string', enum: GC_RUN_STATUSES },
      trigger: { type: 'string', enum: ['manual', 'schedule'] },
      dryRun: { type: 'boolean' },
      deleteUntagged: { type: 'boolean' },
      graceSeconds: { type: 'integer', minimum: 0 },
      requestedBy: nullable({
        type: 'string',
        description: "The caller's name; `null` for a scheduled run.",
      }),
      manifestsDeleted: { type: 'integer', minimum: 0 },
      blobsDeleted: { type: 'integer', minimum: 0 },
      bytesFreed: { type: 'integer', minimum: 0 },
      createdAt: TIME,
      startedAt: nullable(TIME),
      finishedAt: nullable(TIME),
      durationMs: nullable({
        type: 'integer',
        minimum: 0,
        description: 'From the first start to the end, or to now.',
      }),
      attempts: { type: 'integer', minimum: 0 },
      stopRequested: { type: 'boolean' },
      progress: nullable({
        type: 'object',
        additionalProperties: true,
        description:
          "The running attempt's last progress: `{phase, pass, manifestsDeleted, blobsDeleted, bytesFreed}`.",
      }),
      error: nullable({ type: 'string' }),
      log: arrayOf({ type: 'string' }, { description: 'The last 200 lines, oldest first; not in listings.' }),
      report: nullable(
        object(
          {
            manifests: arrayOf(object({ repository: { type: 'string' }, digest: { type: 'string' } })),
            blobs: arrayOf(object({ digest: { type: 'string' }, size: { type: 'integer', minimum: 0 } })),
            truncated: { type: 'boolean', description: 'More than the first 1,000 entries of a list.' },
            cutoff: TIME,
            passes: { type: 'integer' },
            markMs: { type: 'integer' },
            sweepMs: { type: 'integer' },
          },
          ['manifests', 'blobs', 'truncated'],
          { description: 'What was deleted (or would be); `null` until the run ends; not in listings.' },
        ),
      ),
    },
    [
      'id',
      'status',
      'trigger',
      'dryRun',
      'deleteUntagged',
      'graceSeconds',
      'requestedBy',
      'manifestsDeleted',
      'blobsDeleted',
      'bytesFreed',
      'createdAt',
      'startedAt',
      'finishedAt',
      'durationMs',
      'attempts',
      'stopRequested',
      'progress',
      'error',
    ],
  ),
);

export const GC_SCHEDULE = defineSchema(
  'GcSchedule',
  object({
    cron: nullable({
      type: 'string',
      maxLength: 128,
      description: 'A 5-field cron pattern; `null`: no schedule.',
    }),
    dryRun: { type: 'boolean' },
    deleteUntagged: { type: 'boolean' },
    graceSeconds: GRACE_SECONDS,
  }),
);

export const GC_SCHEDULE_CHANGE = defineSchema(
  'GcScheduleChange',
  object(
    {
      cron: nullable({
        type: 'string',
        maxLength: 128,
        description:
          "A 5-field cron pattern (minute hour day-of-month month day-of-week, in the worker's time zone), or `null` to turn the schedule off.",
      }),
      ...OPTIONS,
    },
    ['cron'],
  ),
);

/** The 409 of a second run: the problem body names the active one. */
export const GC_RUN_ACTIVE: CustomProblem = {
  status: 409,
  description: 'Another run is pending or running; `runId` names it.',
  schema: defineSchema('GcRunActiveProblem', {
    allOf: [PROBLEM, { type: 'object', properties: { runId: ID } }],
  }),
};
