import { defineSchema, object } from '../openapi/schema.js';

/** `GET /api/v1/health`: liveness. */
export const LIVENESS = defineSchema(
  'Liveness',
  object({ status: { type: 'string', const: 'ok' } }, ['status']),
);

const CHECK = defineSchema(
  'ReadinessCheck',
  object(
    {
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      latencyMs: { type: 'number', minimum: 0 },
      error: { type: 'string', description: 'A short reason; never a URL with credentials.' },
    },
    ['status', 'latencyMs'],
  ),
);

/** `GET /api/v1/health/ready` (`ReadinessReport`). */
export const READINESS = defineSchema(
  'Readiness',
  object(
    {
      status: {
        type: 'string',
        enum: ['ok', 'degraded', 'unavailable'],
        description: '`degraded`: Redis is down (the registry serves; background jobs wait).',
      },
      checks: object({ database: CHECK, storage: CHECK, redis: CHECK }),
    },
    ['status', 'checks'],
  ),
);
