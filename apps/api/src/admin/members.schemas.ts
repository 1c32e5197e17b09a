import { ROLES } from '@berth/auth';
import { defineSchema, ID, object, patterned } from '../openapi/schema.js';
import { USERNAME } from './admin.grammar.js';

/** The members API's bodies and answers (`members.service.ts`), for the OpenAPI document. */

export const ROLE = defineSchema('Role', {
  type: 'string',
  enum: ROLES,
  description: 'A project role: `admin` > `maintainer` > `developer` > `guest` > `limited-guest`.',
});

export const NEW_MEMBER = defineSchema(
  'NewMember',
  object({
    username: patterned(USERNAME.pattern, { maxLength: USERNAME.max, examples: ['alice'] }),
    role: ROLE,
  }),
);

export const ROLE_CHANGE = defineSchema('RoleChange', object({ role: ROLE }));

export const MEMBER = defineSchema(
  'Member',
  object({ userId: ID, username: { type: 'string' }, role: ROLE }),
);
