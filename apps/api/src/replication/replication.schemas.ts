import { arrayOf, defineSchema, ID, nullable, object, TIME } from '../openapi/schema.js';
import { POLICY_LIMITS } from './replication-policy.body.js';

/**
 * Replication policies' and executions' bodies and answers (`replication.service.ts`,
 * `replication.views.ts`), for the OpenAPI document.
 */

const NAME = {
  type: 'string',
  maxLength: 128,
  pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]*$',
  examples: ['mirror-to-dr'],
} as const;
const NAMESPACE = nullable({
  type: 'string',
  maxLength: 255,
  pattern: '^[a-z0-9]+(?:[._-][a-z0-9]+)*$',
});
const GLOB = nullable({
  type: 'string',
  maxLength: 512,
  pattern: '^[A-Za-z0-9._\\-/*?{},]+$',
  description: 'A glob: `*`, `**`, `?`, `{a,b}`; `null` matches everything.',
});
const MODE = { type: 'string', enum: ['push', 'pull'] } as const;
const TRIGGER_TYPE = { type: 'string', enum: ['manual', 'scheduled', 'event'] } as const;
const STATUS = { type: 'string', enum: ['pending', 'running', 'succeeded', 'failed', 'stopped'] } as const;
const OPERATION = {
  type: 'string',
  enum: ['copy', 'delete'],
  description: '`delete` only for an event-triggered deletion.',
} as const;

const FLATTENING = {
  type: ['string', 'integer'],
  enum: ['none', 1, 2, 'all'],
  description:
    'Leading segments `destinationNamespace` replaces; `src/a/b` into `mirror`: `none` → `mirror/src/a/b`, ' +
    '`1` → `mirror/a/b`, `2` → `mirror/b`, `all` → `mirror/b`. The last segment always stays.',
} as const;

const LIMITS = POLICY_LIMITS;

export const NEW_REPLICATION_POLICY = defineSchema(
  'NewReplicationPolicy',
  object(
    {
      name: NAME,
      mode: MODE,
      registryId: { ...ID, description: 'The remote registry (`POST /api/v1/registries`).' },
      sourceNamespace: { ...NAMESPACE, description: 'Pull mode: the remote namespace to read.' },
      destinationNamespace: {
        ...NAMESPACE,
        description:
          'Replaces the leading path segments of each name, as many as `flattening` says; `null` keeps names.',
      },
      flattening: { ...FLATTENING, default: 1 },
      filters: nullable(
        object(
          {
            repository: { ...GLOB, description: 'Matches the full repository name, project included.' },
            tag: GLOB,
          },
          [],
        ),
      ),
      trigger: nullable(
        object(
          {
            type: { ...TRIGGER_TYPE, default: 'manual', description: '`event` needs mode `push`.' },
            cron: nullable({
              type: 'string',
              maxLength: 128,
              description: 'Required for `scheduled`, and only there: 5 fields, or 6 with seconds first.',
            }),
            replicateDeletion: {
              type: 'boolean',
              default: false,
              description:
                '`event` only: a local deletion of a matching tag or manifest deletes it at the destination.',
            },
          },
          [],
        ),
      ),
      override: { type: 'boolean', default: true, description: 'Overwrite a destination tag that exists.' },
      enabled: { type: 'boolean', default: true },
      bandwidthLimitKbps: nullable({
        type: 'integer',
        minimum: 0,
        maximum: LIMITS.bandwidthLimitKbps.max,
        description: 'KiB/s each task may stream; `0` or `null`: unlimited.',
      }),
      concurrency: {
        type: 'integer',
        ...range(LIMITS.concurrency),
        description: 'Tasks of one execution running at once, across all workers.',
      },
      retry: nullable(
        object(
          {
            attempts: { type: 'integer', ...range(LIMITS.attempts), description: 'Tries per task.' },
            backoffSeconds: {
              type: 'integer',
              ...range(LIMITS.backoffSeconds),
              description: 'Wait before the second try, doubling for each further one.',
            },
          },
          [],
        ),
      ),
      maxAttempts: {
        type: 'integer',
        ...range(LIMITS.attempts),
        deprecated: true,
        description: 'The former name of `retry.attempts`.',
      },
    },
    ['name', 'mode', 'registryId'],
  ),
);

function range(limit: { min: number; max: number; default?: number }) {
  return {
    minimum: limit.min,
    maximum: limit.max,
    ...(limit.default !== undefined && { default: limit.default }),
  };
}

export const REPLICATION_POLICY = defineSchema(
  'ReplicationPolicy',
  object({
    id: ID,
    name: { type: 'string' },
    mode: MODE,
    registryId: ID,
    sourceNamespace: nullable({ type: 'string' }),
    destinationNamespace: nullable({ type: 'string' }),
    flattening: FLATTENING,
    filters: object({ repository: nullable({ type: 'string' }), tag: nullable({ type: 'string' }) }),
    trigger: object({
      type: TRIGGER_TYPE,
      cron: nullable({ type: 'string' }),
      replicateDeletion: { type: 'boolean', description: '`event`: a local deletion is replicated too.' },
    }),
    override: { type: 'boolean' },
    enabled: { type: 'boolean' },
    bandwidthLimitKbps: nullable({
      type: 'integer',
      minimum: 1,
      description: 'KiB/s per task; `null`: unlimited.',
    }),
    concurrency: { type: 'integer', minimum: 1, description: 'Tasks of one execution running at once.' },
    retry: object({
      attempts: { type: 'integer', minimum: 1, description: 'Tries per task.' },
      backoffSeconds: {
        type: 'integer',
        minimum: 0,
        description: 'Wait before the second try, doubling after.',
      },
    }),
    createdAt: TIME,
    updatedAt: TIME,
  }),
);

export const NEW_EXECUTION = defineSchema('NewReplicationExecution', object({ policyId: ID }));

export const STARTED_EXECUTION = defineSchema(
  'StartedReplicationExecution',
  object({
    id: ID,
    queued: {
      type: 'boolean',
      description: '`false` when Redis is away: the worker picks it up when it is back.',
    },
  }),
);

const COUNT = { type: 'integer', minimum: 0 } as const;

export const REPLICATION_EXECUTION = defineSchema(
  'ReplicationExecution',
  object({
    id: ID,
    policyId: ID,
    status: STATUS,
    trigger: TRIGGER_TYPE,
    operation: OPERATION,
    artifact: nullable(
      object(
        {
          repository: { type: 'string' },
          digest: nullable({ type: 'string' }),
          tags: arrayOf({ type: 'string' }),
        },
        undefined,
        { description: 'Event-triggered executions: the one artifact; `null` otherwise.' },
      ),
    ),
    requestedBy: nullable({ type: 'string' }),
    createdAt: TIME,
    startedAt: nullable(TIME),
    finishedAt: nullable(TIME),
    stopRequested: { type: 'boolean' },
    error: nullable({ type: 'string' }),
    total: COUNT,
    succeeded: COUNT,
    failed: COUNT,
    skipped: COUNT,
    stopped: COUNT,
    inProgress: { ...COUNT, description: 'Tasks pending or running.' },
  }),
);

export const REPLICATION_TASK = defineSchema(
  'ReplicationTask',
  object({
    id: ID,
    executionId: ID,
    status: { type: 'string', enum: ['pending', 'running', 'succeeded', 'failed', 'skipped', 'stopped'] },
    operation: OPERATION,
    sourceRepository: { type: 'string' },
    sourceReference: { type: 'string' },
    destinationRepository: { type: 'string' },
    destinationReference: { type: 'string' },
    digest: nullable({ type: 'string' }),
    attempts: COUNT,
    createdAt: TIME,
    startedAt: nullable(TIME),
    finishedAt: nullable(TIME),
    log: arrayOf({ type: 'string' }),
    error: nullable({ type: 'string' }),
  }),
);
