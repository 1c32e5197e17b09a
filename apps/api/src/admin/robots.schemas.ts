import { REGISTRY_ACTIONS } from '@berth/auth';
import { arrayOf, defineSchema, ID, nullable, object, patterned, TIME } from '../openapi/schema.js';
import { DESCRIPTION, PROJECT_NAME, ROBOT_NAME } from './admin.grammar.js';
import { MAX_EXPIRY_DAYS } from './robot.policy.js';

/** The robots API's bodies and answers (`robots.service.ts`, `robot.policy.ts`), for the OpenAPI document. */

const COMMON = {
  name: patterned(ROBOT_NAME.pattern, {
    maxLength: ROBOT_NAME.max,
    examples: ['ci'],
    description: 'The short name; the robot is `robot$<project>+<name>` or `robot$<name>`.',
  }),
  expiresInDays: {
    type: 'integer',
    minimum: -1,
    maximum: MAX_EXPIRY_DAYS,
    description: '`-1` (or absent) for never, otherwise days from now; `0` is refused.',
  },
  description: nullable({ type: 'string', maxLength: DESCRIPTION.max }),
} as const;

const ACTIONS = arrayOf(
  { type: 'string', enum: REGISTRY_ACTIONS },
  { minItems: 1, maxItems: 16, uniqueItems: true },
);

export const NEW_PROJECT_ROBOT = defineSchema(
  'NewProjectRobot',
  object({ ...COMMON, permissions: ACTIONS }, ['name', 'permissions']),
);

export const SYSTEM_ROBOT_PERMISSION = defineSchema(
  'SystemRobotPermission',
  object({
    project: {
      anyOf: [patterned(PROJECT_NAME.pattern, { maxLength: PROJECT_NAME.max }), { const: '*' }],
      description: 'A project name (it need not exist yet), or `*` for every project.',
    },
    actions: arrayOf(
      { type: 'string', enum: [...REGISTRY_ACTIONS, '*'] },
      { minItems: 1, maxItems: 16, uniqueItems: true },
    ),
  }),
);

export const NEW_SYSTEM_ROBOT = defineSchema(
  'NewSystemRobot',
  object({ ...COMMON, permissions: arrayOf(SYSTEM_ROBOT_PERMISSION, { minItems: 1, maxItems: 100 }) }, [
    'name',
    'permissions',
  ]),
);

const SECRET = { type: 'string', description: 'Shown once: only its hash is stored.' } as const;

export const CREATED_ROBOT = defineSchema(
  'CreatedRobot',
  object({ id: ID, name: { type: 'string', description: 'The full name.' }, secret: SECRET }),
);

export const ROBOT_SECRET = defineSchema('RobotSecret', object({ secret: SECRET }));

export const ROBOT = defineSchema(
  'Robot',
  object({
    id: ID,
    name: { type: 'string' },
    description: nullable({ type: 'string' }),
    permissions: arrayOf(
      object({
        project: { type: 'string' },
        actions: arrayOf({ type: 'string', enum: [...REGISTRY_ACTIONS, '*'] }),
      }),
    ),
    expiresAt: nullable(TIME),
    disabled: { type: 'boolean' },
    createdAt: TIME,
  }),
);
