import { REGISTRY_TYPES } from '@berth/db';
import { defineSchema, ID, nullable, object, TIME } from '../openapi/schema.js';

/** Remote registries' bodies and answers (`registries.service.ts`), for the OpenAPI document. */

const NAME = {
  type: 'string',
  maxLength: 128,
  pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]*$',
  examples: ['upstream'],
} as const;
const TYPE = { type: 'string', enum: REGISTRY_TYPES } as const;
const URL = {
  type: 'string',
  maxLength: 2048,
  format: 'uri',
  examples: ['https://registry.example.com'],
  description: 'http(s), without credentials; plain http only with `insecure` or on loopback.',
} as const;
const USERNAME = nullable({ type: 'string', maxLength: 255 });
const PASSWORD = nullable({
  type: 'string',
  maxLength: 4096,
  writeOnly: true,
  description: 'Stored encrypted; never answered.',
});
const INSECURE = {
  type: 'boolean',
  description: 'Allow plain http and unverified TLS certificates.',
} as const;

export const NEW_REGISTRY = defineSchema(
  'NewRegistry',
  object({ name: NAME, type: TYPE, url: URL, username: USERNAME, password: PASSWORD, insecure: INSECURE }, [
    'name',
    'type',
    'url',
  ]),
);

export const REGISTRY_CHANGES = defineSchema(
  'RegistryChanges',
  object(
    { name: NAME, type: TYPE, url: URL, username: USERNAME, password: PASSWORD, insecure: INSECURE },
    [],
    { description: 'Absent fields keep their value; `null` clears `username` or `password`.' },
  ),
);

export const REGISTRY = defineSchema(
  'Registry',
  object({
    id: ID,
    name: { type: 'string' },
    type: TYPE,
    url: { type: 'string' },
    username: nullable({ type: 'string' }),
    hasPassword: { type: 'boolean', description: 'Whether a password is stored (it is never shown).' },
    insecure: { type: 'boolean' },
    createdAt: TIME,
    updatedAt: TIME,
  }),
);

export const REGISTRY_PING = defineSchema(
  'RegistryPing',
  object(
    {
      reachable: { type: 'boolean' },
      authenticated: {
        type: 'boolean',
        description: 'Whether the stored credentials (or none) were accepted.',
      },
      status: { type: 'integer', description: "The remote's HTTP status; 0 when it did not answer." },
      code: { type: 'string' },
      message: { type: 'string' },
    },
    ['reachable', 'authenticated'],
  ),
);
