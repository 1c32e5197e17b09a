import { defineSchema, ID, object, patterned, TIME } from '../openapi/schema.js';
import { PROJECT_NAME } from './admin.grammar.js';
import { STORAGE_LIMIT, STORAGE_LIMIT_SHOWN, STORAGE_USED } from './project-quota.schemas.js';

/** The projects API's bodies and answers (`projects.service.ts`), for the OpenAPI document. */

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
  storageLimitBytes: STORAGE_LIMIT_SHOWN,
  storageUsedBytes: STORAGE_USED,
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
