import { Injectable } from '@nestjs/common';
import { hashPassword, verifyPassword } from '@berth/auth';
import { ConflictError, UserRecords, type UserSummary } from '@berth/db';
import { conflict, forbidden, invalid, notFound } from './admin.errors.js';
import { EMAIL, PASSWORD, USERNAME } from './admin.grammar.js';
import { AuditTrail } from './audit.trail.js';
import { objectBody, optionalString, requiredBoolean, requiredString } from './body.validation.js';
import type { Caller } from './caller.resolver.js';
import { PagedResult, parsePaging } from './paging.js';
import { isSystemAdmin, requireSystemAdmin } from './project.access.js';
import { AdminSafety } from './admin.safety.js';

export interface UserView {
  id: string;
  username: string;
  email: string | null;
  systemAdmin: boolean;
  disabled: boolean;
  createdAt: string;
}

/**
 * User accounts. System administrators manage everyone; a user may read themselves and change
 * their own password (proving the old one). Nobody removes or disables themselves, and the last
 * enabled administrator stays one.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRecords,
    private readonly safety: AdminSafety,
    private readonly audit: AuditTrail,
  ) {}

  async create(caller: Caller, body: unknown): Promise<{ id: string; username: string }> {
    requireSystemAdmin(caller);
    const input = objectBody(body);
    const username = requiredString(input, 'username', USERNAME);
    const password = requiredString(input, 'password', PASSWORD);
    const email = optionalString(input, 'email', EMAIL);
    try {
      const user = await this.users.create({
        username,
        passwordHash: await hashPassword(password),
        email: email ?? null,
      });
      await this.audit.record(caller, 'user.create', `user:${username}`);
      return { id: user.id, username: user.username };
    } catch (error) {
      if (error instanceof ConflictError) throw conflict(`user ${username} already exists`);
      throw error;
    }
  }

  async list(caller: Caller, query: Record<string, unknown>): Promise<PagedResult<UserView>> {
    requireSystemAdmin(caller);
    const paging = parsePaging(query);
    const page = await this.users.list(paging);
    return new PagedResult(page.items.map(userView), page.total, paging);
  }

  async current(caller: Caller): Promise<UserView> {
    if (caller.kind !== 'user') throw forbidden('robots have no user profile');
    return this.get(caller, caller.id);
  }

  async get(caller: Caller, id: string): Promise<UserView> {
    if (!isSystemAdmin(caller) && !isSelf(caller, id)) throw forbidden('you may only read your own account');
    return userView(await this.find(id));
  }

  async changePassword(caller: Caller, id: string, body: unknown): Promise<void> {
    const input = objectBody(body);
    const newPassword = requiredString(input, 'newPassword', PASSWORD);
    const oldPassword = optionalString(input, 'oldPassword', { min: 0, max: PASSWORD.max });
    if (!isSystemAdmin(caller) && !isSelf(caller, id)) {
      throw forbidden('you may only change your own password');
    }
    const user = await this.users.findById(id);
    if (!user) throw notFound(`user ${id.slice(0, 64)} not found`);
    if (!isSystemAdmin(caller)) {
      if (oldPassword === undefined) throw invalid('oldPassword', 'is required to change your own password');
      if (!(await verifyPassword(user.passwordHash, oldPassword))) {
        throw forbidden('oldPassword is not the current password');
      }
    }
    await this.users.setPasswordHash(id, await hashPassword(newPassword));
    await this.audit.record(caller, 'user.password', `user:${user.username}`);
  }

  async setDisabled(caller: Caller, id: string, body: unknown): Promise<UserView> {
    requireSystemAdmin(caller);
    const disabled = requiredBoolean(objectBody(body), 'disabled');
    const user = await this.find(id);
    if (disabled && isSelf(caller, id)) throw conflict('you cannot disable yourself');
    if (disabled && user.systemAdmin) await this.safety.keepAnAdmin(user.id);
    await this.users.setDisabled(id, disabled);
    await this.audit.record(caller, disabled ? 'user.disable' : 'user.enable', `user:${user.username}`);
    return userView(await this.find(id));
  }

  async setSystemAdmin(caller: Caller, id: string, body: unknown): Promise<UserView> {
    requireSystemAdmin(caller);
    const systemAdmin = requiredBoolean(objectBody(body), 'systemAdmin');
    const user = await this.find(id);
    if (!systemAdmin && user.systemAdmin) await this.safety.keepAnAdmin(user.id);
    await this.users.setSystemAdmin(id, systemAdmin);
    await this.audit.record(
      caller,
      systemAdmin ? 'user.admin.grant' : 'user.admin.revoke',
      `user:${user.username}`,
    );
    return userView(await this.find(id));
  }

  async remove(caller: Caller, id: string): Promise<void> {
    requireSystemAdmin(caller);
    const user = await this.find(id);
    if (isSelf(caller, id)) throw conflict('you cannot delete yourself');
    if (user.systemAdmin) await this.safety.keepAnAdmin(user.id);
    await this.users.delete(id);
    await this.audit.record(caller, 'user.delete', `user:${user.username}`);
  }

  private async find(id: string): Promise<UserSummary> {
    const user = await this.users.findById(id);
    if (!user) throw notFound(`user ${id.slice(0, 64)} not found`);
    return user;
  }
}

function isSelf(caller: Caller, id: string): boolean {
  return caller.kind === 'user' && caller.id === id;
}

export function userView(user: UserSummary): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    systemAdmin: user.systemAdmin,
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
  };
}
