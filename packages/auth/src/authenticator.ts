import { LOGIN_THROTTLE, decideLogin } from './login-throttle.js';
import type { Subject } from './permissions.js';
import { hashToken, timingSafeEqualString } from './secrets.js';
import { verifiedPasswords, type VerifiedPasswords } from './verified-passwords.js';

/**
 * Who may log in, as the token service and the admin API's Basic auth both need it. The
 * lookups are structural interfaces (packages/db's records satisfy them), so this package stays
 * free of persistence.
 */
export interface UserLookup {
  findByUsername(
    username: string,
  ): Promise<
    | { id: string; username: string; passwordHash: string; systemAdmin: boolean; disabled: boolean }
    | undefined
  >;
}

export interface RobotLookup {
  findByName(name: string): Promise<
    | {
        id: string;
        name: string;
        projectName: string | null;
        secretHash: string;
        permissions: { project: string; actions: string[] }[];
        expiresAt: Date | null;
        disabled: boolean;
      }
    | undefined
  >;
}

export interface FailureLog {
  record(username: string, address: string): Promise<void>;
  counts(
    username: string,
    address: string,
    windowSeconds: number,
  ): Promise<{
    byUsername: number;
    byAddress: number;
    lastUsernameFailureAt: Date | null;
    lastAddressFailureAt: Date | null;
  }>;
  clearUsername(username: string): Promise<number>;
}

export type AuthenticationResult =
  | { ok: true; subject: Exclude<Subject, { kind: 'anonymous' }> }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** Robot names are `robot$<project>+<name>` or `robot$<name>`; nothing else starts with `robot$`. */
export const ROBOT_PREFIX = 'robot$';

/**
 * Checks a username and password (or robot name and secret). Throttling is decided before any
 * password work, failures are recorded per username and source address, and an unknown user
 * costs the same argon2 work as a wrong password. A password that matched in the last minutes is
 * recognised without argon2 (`VerifiedPasswords`).
 */
export class Authenticator {
  constructor(
    private readonly users: UserLookup,
    private readonly robots: RobotLookup,
    private readonly failures: FailureLog,
    private readonly now: () => Date = () => new Date(),
    private readonly passwords: Pick<VerifiedPasswords, 'check'> = verifiedPasswords,
  ) {}

  async authenticate(username: string, password: string, address: string): Promise<AuthenticationResult> {
    const counts = await this.failures.counts(username, address, LOGIN_THROTTLE.windowSeconds);
    const decision = decideLogin(
      {
        username: { count: counts.byUsername, lastFailureAt: counts.lastUsernameFailureAt ?? undefined },
        address: { count: counts.byAddress, lastFailureAt: counts.lastAddressFailureAt ?? undefined },
      },
      this.now(),
    );
    if (!decision.allowed)
      return { ok: false, reason: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
    const subject = username.startsWith(ROBOT_PREFIX)
      ? await this.robot(username, password)
      : await this.user(username, password);
    if (!subject) {
      await this.failures.record(username, address);
      return { ok: false, reason: 'invalid' };
    }
    if (counts.byUsername > 0) await this.failures.clearUsername(username);
    return { ok: true, subject };
  }

  private async user(username: string, password: string) {
    const user = await this.users.findByUsername(username);
    const valid = await this.passwords.check(user?.passwordHash, password);
    if (!user || !valid || user.disabled) return undefined;
    return { kind: 'user' as const, id: user.id, username: user.username, systemAdmin: user.systemAdmin };
  }

  private async robot(name: string, secret: string) {
    const robot = await this.robots.findByName(name);
    // Robot secrets are 256-bit random, so a fast hash is as strong as a slow one here.
    const valid = robot !== undefined && timingSafeEqualString(robot.secretHash, hashToken(secret));
    if (!robot || !valid || robot.disabled) return undefined;
    if (robot.expiresAt !== null && robot.expiresAt.getTime() <= this.now().getTime()) return undefined;
    return {
      kind: 'robot' as const,
      id: robot.id,
      name: robot.name,
      ...(robot.projectName !== null && { project: robot.projectName }),
      permissions: robot.permissions,
    };
  }
}
