import { EMAIL, PASSWORD, USERNAME } from './admin.grammar.js';
import { defineSchema, ID, nullable, object, patterned, TIME } from '../openapi/schema.js';

/** The users API's bodies and answers (`users.service.ts`), for the OpenAPI document. */

const USERNAME_SCHEMA = patterned(USERNAME.pattern, { maxLength: USERNAME.max, examples: ['alice'] });
const PASSWORD_SCHEMA = {
  type: 'string',
  minLength: PASSWORD.min,
  maxLength: PASSWORD.max,
  writeOnly: true,
} as const;

export const NEW_USER = defineSchema(
  'NewUser',
  object(
    {
      username: USERNAME_SCHEMA,
      password: PASSWORD_SCHEMA,
      email: nullable(patterned(EMAIL.pattern, { maxLength: EMAIL.max })),
    },
    ['username', 'password'],
  ),
);

export const CREATED_USER = defineSchema('CreatedUser', object({ id: ID, username: USERNAME_SCHEMA }));

export const USER = defineSchema(
  'User',
  object({
    id: ID,
    username: { type: 'string' },
    email: nullable({ type: 'string' }),
    systemAdmin: { type: 'boolean' },
    disabled: { type: 'boolean' },
    createdAt: TIME,
  }),
);

export const PASSWORD_CHANGE = defineSchema(
  'PasswordChange',
  object(
    {
      newPassword: PASSWORD_SCHEMA,
      oldPassword: {
        type: 'string',
        maxLength: PASSWORD.max,
        writeOnly: true,
        description: 'Required when changing your own password; a system administrator may leave it out.',
      },
    },
    ['newPassword'],
  ),
);

export const DISABLED_CHANGE = defineSchema('DisabledChange', object({ disabled: { type: 'boolean' } }));

export const SYSTEM_ADMIN_CHANGE = defineSchema(
  'SystemAdminChange',
  object({ systemAdmin: { type: 'boolean' } }),
);
