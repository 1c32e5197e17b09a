import { Injectable } from '@nestjs/common';
import { isRole, ROLES, type Role } from '@berth/auth';
import { ConflictError, MemberRecords, UserRecords, type MemberRecord } from '@berth/db';
import { conflict, invalid, notFound } from './admin.errors.js';
import { USERNAME } from './admin.grammar.js';
import { AuditTrail } from './audit.trail.js';
import { objectBody, requiredString, type JsonObject } from './body.validation.js';
import type { Caller } from './caller.resolver.js';
import { ProjectAccess } from './project.access.js';

export interface MemberView {
  userId: string;
  username: string;
  role: Role;
}

/** Project membership: who has which role. Every call needs the project's `members` permission. */
@Injectable()
export class MembersService {
  constructor(
    private readonly members: MemberRecords,
    private readonly users: UserRecords,
    private readonly access: ProjectAccess,
    private readonly audit: AuditTrail,
  ) {}

  async add(caller: Caller, projectName: string, body: unknown): Promise<MemberView> {
    const input = objectBody(body);
    const username = requiredString(input, 'username', USERNAME);
    const role = roleOf(input);
    const project = await this.access.require(caller, projectName, 'members');
    const user = await this.users.findByUsername(username);
    if (!user) throw invalid('username', `names no user (${username})`);
    let member: MemberRecord;
    try {
      member = await this.members.add(project.id, user.id, role);
    } catch (error) {
      if (error instanceof ConflictError) {
        throw conflict(`${username} is already a member of ${projectName}; change the role with PUT`);
      }
      throw error;
    }
    await this.audit.record(caller, 'member.add', `project:${projectName}`, { username, role });
    return memberView(member);
  }

  async list(caller: Caller, projectName: string): Promise<MemberView[]> {
    const project = await this.access.require(caller, projectName, 'members');
    return (await this.members.list(project.id)).map(memberView);
  }

  async setRole(caller: Caller, projectName: string, userId: string, body: unknown): Promise<MemberView> {
    const role = roleOf(objectBody(body));
    const project = await this.access.require(caller, projectName, 'members');
    if (!(await this.members.setRole(project.id, userId, role))) throw this.notMember(userId, projectName);
    const member = (await this.members.list(project.id)).find((m) => m.userId === userId);
    if (!member) throw this.notMember(userId, projectName);
    await this.audit.record(caller, 'member.update', `project:${projectName}`, {
      username: member.username,
      role,
    });
    return memberView(member);
  }

  async remove(caller: Caller, projectName: string, userId: string): Promise<void> {
    const project = await this.access.require(caller, projectName, 'members');
    const member = (await this.members.list(project.id)).find((m) => m.userId === userId);
    if (!member || !(await this.members.remove(project.id, userId)))
      throw this.notMember(userId, projectName);
    await this.audit.record(caller, 'member.remove', `project:${projectName}`, { username: member.username });
  }

  private notMember(userId: string, projectName: string): Error {
    return notFound(`user ${userId.slice(0, 64)} is not a member of ${projectName}`);
  }
}

function roleOf(input: JsonObject): Role {
  const role = input.role;
  if (role === undefined || role === null) throw invalid('role', 'is required');
  if (!isRole(role)) throw invalid('role', `must be one of ${ROLES.join(', ')}`);
  return role;
}

function memberView(member: MemberRecord): MemberView {
  return {
    userId: member.userId,
    username: member.username,
    role: member.role,
  };
}
