import { REGISTRY_ACTIONS, ROBOT_PREFIX, type RegistryAction } from '@berth/auth';
import type { RobotPermissionRecord } from '@berth/db';
import { invalid } from './admin.errors.js';
import { DESCRIPTION, PROJECT_NAME, ROBOT_NAME } from './admin.grammar.js';
import {
  objectBody,
  optionalInteger,
  optionalString,
  requiredString,
  stringSet,
  type JsonObject,
} from './body.validation.js';

/**
 * Robot accounts as PRODUCT.md defines them: a project robot is `robot$<project>+<name>` with
 * registry actions in its own project, a system robot `robot$<name>` with per-project (or `*`)
 * actions. Expiry is in days, `-1` (or absent) for never.
 */

export const MAX_EXPIRY_DAYS = 36_500;
const MAX_SYSTEM_PERMISSIONS = 100;
const DAY_MS = 86_400_000;

export interface NewRobotInput {
  /** The short name the caller chose (without prefix). */
  name: string;
  permissions: RobotPermissionRecord[];
  expiresAt: Date | null;
  description: string | null;
}

export function projectRobotName(project: string, name: string): string {
  return `${ROBOT_PREFIX}${project}+${name}`;
}

export function systemRobotName(name: string): string {
  return `${ROBOT_PREFIX}${name}`;
}

/** `{name, permissions: ["pull", …], expiresInDays?, description?}` for a robot of `project`. */
export function parseProjectRobot(body: unknown, project: string): NewRobotInput {
  const input = objectBody(body);
  const actions = stringSet<RegistryAction>(input.permissions, 'permissions', REGISTRY_ACTIONS);
  return { ...common(input), permissions: [{ project, actions }] };
}

/** `{name, permissions: [{project: "<name>"|"*", actions: [...]}], expiresInDays?, description?}`. */
export function parseSystemRobot(body: unknown): NewRobotInput {
  const input = objectBody(body);
  const raw = input.permissions;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalid('permissions', 'must be a non-empty list of {project, actions}');
  }
  if (raw.length > MAX_SYSTEM_PERMISSIONS) throw invalid('permissions', 'has too many entries');
  const permissions = raw.map((entry: unknown, index): RobotPermissionRecord => {
    const field = `permissions[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw invalid(field, 'must be an object {project, actions}');
    }
    const item = entry as JsonObject;
    const project =
      item.project === '*'
        ? '*'
        : requiredString({ [`${field}.project`]: item.project }, `${field}.project`, PROJECT_NAME);
    const actions = stringSet<RegistryAction | '*'>(item.actions, `${field}.actions`, [
      ...REGISTRY_ACTIONS,
      '*',
    ]);
    return { project, actions };
  });
  return { ...common(input), permissions };
}

function common(input: JsonObject): Omit<NewRobotInput, 'permissions'> {
  const name = requiredString(input, 'name', ROBOT_NAME);
  const description = optionalString(input, 'description', DESCRIPTION) ?? null;
  return { name, description, expiresAt: expiryOf(input) };
}

/** `expiresInDays`: -1 or absent for never, otherwise 1..MAX_EXPIRY_DAYS days from `now`. */
export function expiryOf(input: JsonObject, now = new Date()): Date | null {
  const days = optionalInteger(input, 'expiresInDays', { min: -1, max: MAX_EXPIRY_DAYS });
  if (days === undefined || days === -1) return null;
  if (days === 0) throw invalid('expiresInDays', 'must be -1 (never) or a positive number of days');
  return new Date(now.getTime() + days * DAY_MS);
}
