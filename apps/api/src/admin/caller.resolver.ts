import {
  Authenticator,
  parseAuthorization,
  ROBOT_PREFIX,
  TOKEN_ISSUER,
  TokenError,
  verifyToken,
  type Subject,
  type TokenClaims,
} from '@berth/auth';
import type { AuditRecords, RobotRecords, UserRecords } from '@berth/db';
import type { TokenKeys } from '../auth/token-keys.js';
import { throttled, unauthenticated } from './admin.errors.js';

/** Anyone who got past authentication: a user or a robot. */
export type Caller = Exclude<Subject, { kind: 'anonymous' }>;

/**
 * Who is calling the admin API, from the `Authorization` header:
 * - `Basic` user or robot credentials, checked by the shared `Authenticator` (throttling and
 *   failure counting are the token service's, so both surfaces share one budget);
 * - `Bearer` a registry token from Berth's token service, whose `sub` is looked up again so a
 *   user disabled or deleted since the token was issued is refused.
 * Anything else, including no header, is a 401.
 */
export class CallerResolver {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly keys: TokenKeys,
    private readonly users: UserRecords,
    private readonly robots: RobotRecords,
    private readonly audit: AuditRecords,
    private readonly service: string,
  ) {}

  async resolve(header: string | undefined, address: string): Promise<Caller> {
    const authorization = parseAuthorization(header);
    if (authorization === undefined) throw unauthenticated();
    if (authorization.scheme === 'basic') {
      return this.basic(authorization.username, authorization.password, address);
    }
    const claims = await this.verify(authorization.token);
    const caller = await this.lookup(claims);
    if (!caller) throw unauthenticated('the token no longer identifies an active account');
    return caller;
  }

  private async basic(username: string, password: string, address: string): Promise<Caller> {
    const result = await this.authenticator.authenticate(username, password, address);
    if (result.ok) return result.subject;
    await this.audit.append({
      actor: username.slice(0, 255),
      action: 'login',
      resource: 'api',
      outcome: 'failure',
      address,
      detail: { reason: result.reason },
    });
    if (result.reason === 'throttled') throw throttled(result.retryAfterSeconds);
    throw unauthenticated('invalid username or password');
  }

  private async verify(token: string): Promise<TokenClaims> {
    const kid = kidOf(token);
    const key = kid === undefined ? undefined : await this.keys.resolve(kid);
    try {
      return verifyToken(token, {
        keys: (candidate) => (candidate === kid ? key : undefined),
        issuer: TOKEN_ISSUER,
        audience: this.service,
      });
    } catch (error) {
      if (error instanceof TokenError) throw unauthenticated(`invalid token: ${error.message}`);
      throw error;
    }
  }

  private async lookup(claims: TokenClaims): Promise<Caller | undefined> {
    if (claims.sub === '') return undefined;
    if (claims.sub.startsWith(ROBOT_PREFIX)) {
      const robot = await this.robots.findByName(claims.sub);
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
    const user = await this.users.findByUsername(claims.sub);
    if (!user || user.disabled) return undefined;
    // A token minted before a password change belongs to the old password.
    if (claims.iat < Math.floor(user.passwordChangedAt.getTime() / 1000)) return undefined;
    return { kind: 'user', id: user.id, username: user.username, systemAdmin: user.systemAdmin };
  }
}

/** The `kid` of a compact JWS header, without trusting anything else in it. */
function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(
      Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'),
    ) as unknown;
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' && kid.length <= 128 ? kid : undefined;
  } catch {
    return undefined;
  }
}

/** The name the audit log records for a caller. */
export function actorName(caller: Caller): string {
  return caller.kind === 'user' ? caller.username : caller.name;
}
