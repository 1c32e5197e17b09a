import { defineSchema, object } from '../openapi/schema.js';

/** `GET /api/v1/system/info` (`SystemInfo.describe()`), for the OpenAPI document. */
export const SYSTEM_INFO = defineSchema(
  'SystemInfo',
  object({
    version: { type: 'string', description: "The api's version." },
    storage: { type: 'string', description: 'The storage driver: `filesystem`, `inmemory`, `s3`.' },
    authMode: { type: 'string', const: 'token' },
    tokenService: { type: 'string', description: 'The `service` of registry tokens.' },
    tokenRealm: { type: 'string', format: 'uri', description: 'Where clients get registry tokens.' },
  }),
);
