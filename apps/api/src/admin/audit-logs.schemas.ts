import { AUDIT_OUTCOMES } from '@berth/db';
import type { QueryParameter } from '../openapi/api-doc.decorator.js';
import { defineSchema, ID, nullable, object, TIME } from '../openapi/schema.js';

/** The audit log's answers and filters (`audit-logs.service.ts`), for the OpenAPI document. */
export const AUDIT_EVENT = defineSchema(
  'AuditEvent',
  object({
    id: ID,
    at: TIME,
    actor: {
      type: 'string',
      description:
        "Who: a username, a robot's full name, `anonymous` for anonymous pulls, or for a failed login the name tried.",
    },
    action: { type: 'string', examples: ['project.create', 'login'] },
    resource: { type: 'string', examples: ['project:demo'] },
    outcome: { type: 'string', enum: AUDIT_OUTCOMES },
    address: nullable({ type: 'string', description: "The client's address." }),
    detail: nullable({ type: 'object', additionalProperties: true }),
  }),
);

const TEXT = { type: 'string', maxLength: 255 } as const;
const TIME_FILTER = { type: 'string', format: 'date-time', maxLength: 64 } as const;

/** The filters of every audit listing (the whole log and a project's), beside `page`, `pageSize` and `q`. */
export const AUDIT_FILTERS: readonly QueryParameter[] = [
  {
    name: 'actor',
    description: 'Events of exactly this actor (`anonymous` for anonymous pulls).',
    schema: TEXT,
  },
  { name: 'action', description: 'Events whose action starts with this (`project.`).', schema: TEXT },
  {
    name: 'resource',
    description: 'This resource, or a prefix ending in `*` (`project:demo*`).',
    schema: TEXT,
  },
  { name: 'outcome', schema: { type: 'string', enum: AUDIT_OUTCOMES } },
  { name: 'from', description: 'Events at or after this time (`since` is the same).', schema: TIME_FILTER },
  { name: 'since', description: 'The same as `from`.', schema: TIME_FILTER },
  { name: 'to', description: 'Events before this time.', schema: TIME_FILTER },
  {
    name: 'cursor',
    description:
      'Keyset pages, fast however deep: empty for the newest page, then the value of the `rel="next"` link. Such pages carry no `X-Total-Count`.',
    schema: TEXT,
  },
];
