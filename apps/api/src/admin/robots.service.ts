import { Injectable } from '@nestjs/common';
import { generateSecret, hashToken } from '@berth/auth';
import { ConflictError, RobotRecords, type RobotRecord, type RobotSummary } from '@berth/db';
import { conflict, notFound } from './admin.errors.js';
import { AuditTrail } from './audit.trail.js';
import { objectBody, requiredBoolean } from './body.validation.js';
import type { Caller } from './caller.resolver.js';
import { ProjectAccess, requireSystemAdmin } from './project.access.js';
import {
  parseProjectRobot,
  parseSystemRobot,
  projectRobotName,
  systemRobotName,
  type NewRobotInput,
} from './robot.policy.js';

export interface RobotView {
  id: string;
  name: string;
  description: string | null;
  permissions: { project: string; actions: string[] }[];
  expiresAt: string | null;
  disabled: boolean;
  createdAt: string;
}

/** Whose robots a call is about: a project's (`members`-style `robots` permission) or the system's. */
export type RobotScope = { project: string } | { system: true };

/**
 * Robot accounts. The secret is generated here, returned once (on create and rotate), and
 * stored only as `hashToken(secret)`, the form the token service compares.
 */
@Injectable()
export class RobotsService {
  constructor(
    private readonly robots: RobotRecords,
    private readonly access: ProjectAccess,
    private readonly audit: AuditTrail,
  ) {}

  async create(
    caller: Caller,
    scope: RobotScope,
    body: unknown,
  ): Promise<{ id: string; name: string; secret: string }> {
    let input: NewRobotInput;
    let projectId: string | null = null;
    let fullName: string;
    if ('project' in scope) {
      input = parseProjectRobot(body, scope.project);
      projectId = (await this.access.require(caller, scope.project, 'robots')).id;
      fullName = projectRobotName(scope.project, input.name);
    } else {
      requireSystemAdmin(caller);
      input = parseSystemRobot(body);
      fullName = systemRobotName(input.name);
    }
    const secret = generateSecret();
    let robot: RobotRecord;
    try {
      robot = await this.robots.create({
        name: fullName,
        projectId,
        description: input.description,
        secretHash: hashToken(secret),
        permissions: input.permissions,
        expiresAt: input.expiresAt,
      });
    } catch (error) {
      if (error instanceof ConflictError) throw conflict(`robot ${fullName} already exists`);
      throw error;
    }
    await this.audit.record(caller, 'robot.create', `robot:${fullName}`, {
      permissions: input.permissions,
      expiresAt: input.expiresAt?.toISOString() ?? null,
    });
    return { id: robot.id, name: robot.name, secret };
  }

  async list(caller: Caller, scope: RobotScope): Promise<RobotView[]> {
    const projectId = await this.ownerId(caller, scope);
    return (await this.robots.list(projectId)).map(robotView);
  }

  async rotate(caller: Caller, scope: RobotScope, id: string): Promise<{ secret: string }> {
    const robot = await this.find(caller, scope, id);
    const secret = generateSecret();
    await this.robots.setSecretHash(robot.id, hashToken(secret));
    await this.audit.record(caller, 'robot.rotate', `robot:${robot.name}`);
    return { secret };
  }

  async setDisabled(caller: Caller, scope: RobotScope, id: string, body: unknown): Promise<RobotView> {
    const disabled = requiredBoolean(objectBody(body), 'disabled');
    const robot = await this.find(caller, scope, id);
    await this.robots.setDisabled(robot.id, disabled);
    await this.audit.record(caller, disabled ? 'robot.disable' : 'robot.enable', `robot:${robot.name}`);
    return robotView({ ...robot, disabled });
  }

  async remove(caller: Caller, scope: RobotScope, id: string): Promise<void> {
    const robot = await this.find(caller, scope, id);
    await this.robots.delete(robot.id);
    await this.audit.record(caller, 'robot.delete', `robot:${robot.name}`);
  }

  /** The owning project's id (`null` for the system), once the caller may manage its robots. */
  private async ownerId(caller: Caller, scope: RobotScope): Promise<string | null> {
    if ('project' in scope) return (await this.access.require(caller, scope.project, 'robots')).id;
    requireSystemAdmin(caller);
    return null;
  }

  /** The robot `id` of this scope; a robot of another project (or kind) is a 404 here. */
  private async find(caller: Caller, scope: RobotScope, id: string): Promise<RobotRecord> {
    const owner = await this.ownerId(caller, scope);
    const robot = await this.robots.findById(id);
    if (!robot || robot.projectId !== owner) throw notFound(`robot ${id.slice(0, 64)} not found`);
    return robot;
  }
}

export function robotView(robot: RobotSummary): RobotView {
  return {
    id: robot.id,
    name: robot.name,
    description: robot.description,
    permissions: robot.permissions,
    expiresAt: robot.expiresAt?.toISOString() ?? null,
    disabled: robot.disabled,
    createdAt: robot.createdAt.toISOString(),
  };
}
