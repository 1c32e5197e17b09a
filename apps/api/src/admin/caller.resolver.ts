import {
  type Authenticator,
  parseAuthorization,
  TokenError,
  type Subject,
  type TokenClaims,
} from '@berth/auth';
import type { AuditRecords, LoginAudit } from '@berth/db';
import type { SubjectDirectory } from '../auth/subject-directory.js';
import type { TokenKeys } from '../auth/token-keys.js';
import { throttled, unauthenticated } from './admin.errors.js';

/**
 * Anyone who got past authentication: a user or a robot, with the client's address when the
 * caller came through `AdminAuthGuard` (the audit trail records it as "from where").
 */
export type Caller = Exclude<Subject, { kind: 'anonymous' }> & { address?: string };

/** Where successful Basic logins are counted (the process's `LoginAudit`: one row per window). */
export type LoginRecorder = Pick<LoginAudit, 'record'>;

/**
 * Who is calling the admin API, from the `Authorization` header:
 * - `Basic` user or robot credentials, checked by the shared `Authenticator` (throttling and
 *   failure counting are the token service's, so both surfaces share one budget);
 * - `Bearer` a registry token from Berth's token service, whose `sub` is looked up again so a
 *   user disabled or deleted since the token was issued is refused.
 * Anything else, including no header, is a 401. A failed Basic login is audited at once, as its
 * own row; a successful one is counted into `logins` when the guard passes it (a Bearer token is
 * no login: the token service counted the login that got it).
 */
export class CallerResolver {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly keys: TokenKeys,
    private readonly subjects: SubjectDirectory,
    private readonly audit: AuditRecords,
    private readonly service: string,
  ) {}

  async resolve(header: string | undefined, address: string, logins?: LoginRecorder): Promise<Caller> {
    const authorization = parseAuthorization(header);
    if (authorization === undefined) throw unauthenticated();
    if (authorization.scheme === 'basic') {
      const caller = await this.basic(authorization.username, authorization.password, address);
      logins?.record({ actor: actorName(caller), address, resource: 'api', kind: 'basic' });
      return caller;
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
    try {
      return await this.keys.verify(token, this.service);
    } catch (error) {
      if (error instanceof TokenError) throw unauthenticated(`invalid token: ${error.message}`);
      throw error;
    }
  }

  private async lookup(claims: TokenClaims): Promise<Caller | undefined> {
    const subject = await this.subjects.byName(claims.sub, claims.iat);
    return subject?.kind === 'anonymous' ? undefined : subject;
  }
}

/** The name the audit log records for a caller. */
export function actorName(caller: Caller): string {
  return caller.kind === 'user' ? caller.username : caller.name;
}
