import { defineSchema, object } from '../openapi/schema.js';

/** The quota endpoints' bodies and answers (`project-quota.service.ts`), for the OpenAPI document. */

export const STORAGE_LIMIT = {
  type: ['integer', 'null'],
  minimum: -1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Bytes; -1 (or `null` in a request) for no limit.',
  examples: [-1, 10_737_418_240],
} as const;

/** A limit as answers show it: never `null`. */
export const STORAGE_LIMIT_SHOWN = {
  type: 'integer',
  minimum: -1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Bytes; -1 for no limit.',
  examples: [-1, 10_737_418_240],
} as const;

export const STORAGE_USED = {
  type: 'integer',
  minimum: 0,
  description: 'Bytes the manifests of the project hold: each blob once, the manifests included.',
  examples: [734_003_200],
} as const;

export const PROJECT_QUOTA = defineSchema(
  'ProjectQuota',
  object({
    storageLimitBytes: STORAGE_LIMIT_SHOWN,
    storageUsedBytes: STORAGE_USED,
  }),
);

export const QUOTA_CHANGE = defineSchema('QuotaChange', object({ storageLimitBytes: STORAGE_LIMIT }));
