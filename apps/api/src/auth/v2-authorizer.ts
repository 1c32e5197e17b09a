import {
  accessAllows,
  bearerChallenge,
  formatScope,
  parseBearer,
  repositoryProject,
  TokenError,
  type ResourceScope,
  type TokenClaims,
} from '@berth/auth';
import { RegistryError } from '@berth/oci';
import { performedAction } from '../v2/v2-access.js';
import type { TokenKeys } from './token-keys.js';

export interface AuthorizerSettings {
  realm: string;
  service: string;
}

/** What the access model says of a subject and a repository action (see RepositoryAccess). */
export interface AccessCheck {
  check(
    subjectName: string,
    repository: string,
    action: string,
  ): Promise<{ permitted: boolean; projectExists: boolean; subjectKnown: boolean }>;
}

/**
 * The access a request needs: `required` (none for the base endpoint, which only needs a valid
 * token) and `optional` scopes the request uses when granted, such as the source of a
 * cross-repository mount (without pull there, the mount becomes an upload).
 */
export interface V2Access {
  required?: ResourceScope;
  optional: ResourceScope[];
}

const VERIFIED_CAPACITY = 10_000;

/** A verified caller: the token's subject (`''` when anonymous) and its granted access. */
export interface V2Caller {
  subject: string;
  access: ResourceScope[];
}

/**
 * Enforces registry tokens on /v2/ (distribution's token spec). No token or a bad token: 401
 * with the challenge naming exactly the scopes needed. A valid token without the action: 401
 * `insufficient_scope` when the caller may have it (its client asks the token service again,
 * as clients do when going from pull to push), 403 DENIED when the access model refuses a known
 * caller, and 401 for an anonymous one (so the client logs in).
 */
export class V2Authorizer {
  /**
   * Tokens already verified, until they expire: a client sends the same token on every request
   * of a push or pull, so each is checked cryptographically once per process. Bounded; the
   * oldest entry goes first.
   */
  private readonly verified = new Map<string, TokenClaims>();

  constructor(
    private readonly keys: TokenKeys,
    private readonly settings: AuthorizerSettings,
    private readonly access: AccessCheck,
  ) {}

  async authorize(authorization: string | undefined, needed: V2Access): Promise<V2Caller> {
    const token = parseBearer(authorization);
    if (token === undefined) throw this.challenge(needed);
    const claims = await this.verify(token, needed);
    const caller = { subject: claims.sub, access: claims.access };
    const required = needed.required;
    if (required && !accessAllows(claims.access, required.type, required.name, performedAction(required))) {
      throw await this.refusal(claims.sub, required, needed);
    }
    // An optional scope the token never mentions was not asked for yet: ask for it.
    const unasked = needed.optional.some(
      (scope) => !claims.access.some((entry) => entry.type === scope.type && entry.name === scope.name),
    );
    if (unasked) throw this.challenge(needed, 'insufficient_scope');
    return caller;
  }

  private async refusal(subject: string, required: ResourceScope, needed: V2Access): Promise<RegistryError> {
    if (subject === '' || required.type !== 'repository') return this.challenge(needed, 'insufficient_scope');
    const verdict = await this.access.check(subject, required.name, performedAction(required));
    if (verdict.permitted) return this.challenge(needed, 'insufficient_scope');
    // Disabled or deleted since the token was issued: the token no longer speaks for anyone.
    if (!verdict.subjectKnown) return this.challenge(needed, 'invalid_token');
    const project = repositoryProject(required.name);
    if (project === undefined || !verdict.projectExists) {
      const message =
        project === undefined
          ? `repository ${required.name} is not in a project: names are <project>/<path>`
          : `project ${project} does not exist; create it first`;
      return new RegistryError('DENIED', message, { detail: { project: project ?? null } });
    }
    return new RegistryError('DENIED', `requested access to ${required.type} ${required.name} is denied`);
  }

  private async verify(token: string, needed: V2Access): Promise<TokenClaims> {
    const cached = this.verified.get(token);
    if (cached && cached.exp * 1000 > Date.now()) return cached;
    const claims = await this.verifyNow(token, needed);
    this.verified.delete(token);
    this.verified.set(token, claims);
    if (this.verified.size > VERIFIED_CAPACITY) this.verified.delete(this.verified.keys().next().value!);
    return claims;
  }

  private async verifyNow(token: string, needed: V2Access): Promise<TokenClaims> {
    try {
      return await this.keys.verify(token, this.settings.service);
    } catch (error) {
      if (error instanceof TokenError) throw this.challenge(needed, 'invalid_token');
      throw error;
    }
  }

  private challenge(needed: V2Access, error?: 'invalid_token' | 'insufficient_scope'): RegistryError {
    const scopes = [...(needed.required ? [needed.required] : []), ...needed.optional];
    const header = bearerChallenge({
      realm: this.settings.realm,
      service: this.settings.service,
      ...(scopes.length > 0 && { scopes }),
      ...(error && { error }),
    });
    const message =
      scopes.length > 0
        ? `authentication required for ${scopes.map(formatScope).join(' ')}`
        : 'authentication required';
    return new RegistryError('UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': header } });
  }
}
