import { defineSchema, ID, nullable, object, patterned, TIME } from '../openapi/schema.js';
import { PROJECT_NAME } from './admin.grammar.js';

/** The projects API's bodies and answers (`projects.service.ts`), for the OpenAPI document. */

const STORAGE_LIMIT = nullable({
  type: 'integer',
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Bytes; `null` for no limit.',
  examples: [null, 10_737_418_240],
});

export const NEW_PROJECT = defineSchema(
  'NewProject',
  object(
    {
      name: patterned(PROJECT_NAME.pattern, { maxLength: PROJECT_NAME.max, examples: ['demo'] }),
      public: { type: 'boolean', description: 'Anyone may pull from a public project, even anonymously.' },
      storageLimitBytes: STORAGE_LIMIT,
    },
    ['name', 'public'],
  ),
);

export const CREATED_PROJECT = defineSchema(
  'CreatedProject',
  object({ id: ID, name: { type: 'string' }, public: { type: 'boolean' } }),
);

const PROJECT_PROPERTIES = {
  id: ID,
  name: { type: 'string' },
  public: { type: 'boolean' },
  storageLimitBytes: STORAGE_LIMIT,
  createdAt: TIME,
} as const;

export const PROJECT = defineSchema('Project', object(PROJECT_PROPERTIES));

export const PROJECT_DETAIL = defineSchema(
  'ProjectDetail',
  object({
    ...PROJECT_PROPERTIES,
    repositoryCount: { type: 'integer', minimum: 0, description: 'Repositories named `<project>/…`.' },
  }),
);

export const PROJECT_CHANGES = defineSchema(
  'ProjectChanges',
  object({ public: { type: 'boolean' }, storageLimitBytes: STORAGE_LIMIT }, []),
);
