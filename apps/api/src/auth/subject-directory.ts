import { ROBOT_PREFIX, type Subject } from '@berth/auth';
import type { RobotRecords, UserRecords } from '@berth/db';

/**
 * Who a token's `sub` is now. A token outlives nothing: a deleted, disabled or expired account
 * is nobody, and so is a user whose password changed after the token was issued.
 */
export class SubjectDirectory {
  constructor(
    private readonly users: UserRecords,
    private readonly robots: RobotRecords,
  ) {}

  /** `''` is the anonymous subject; `issuedAt` (epoch seconds) is the token's `iat`. */
  async byName(name: string, issuedAt?: number): Promise<Subject | undefined> {
    if (name === '') return { kind: 'anonymous' };
    if (name.startsWith(ROBOT_PREFIX)) {
      const robot = await this.robots.findByName(name);
      if (!robot || robot.disabled) return undefined;
      if (robot.expiresAt !== null && robot.expiresAt.getTime() <= Date.now()) return undefined;
      return {
        kind: 'robot',
        id: robot.id,
        name: robot.name,
        ...(robot.projectName !== null && { project: robot.projectName }),
        permissions: robot.permissions,
      };
    }
    const user = await this.users.findByUsername(name);
    if (!user || user.disabled) return undefined;
    if (issuedAt !== undefined && issuedAt < Math.floor(user.passwordChangedAt.getTime() / 1000))
      return undefined;
    return { kind: 'user', id: user.id, username: user.username, systemAdmin: user.systemAdmin };
  }
}
