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

/** Whether a project exists, so a refusal can say why (Harbor: push to a missing project). */
export type ProjectExists = (project: string) => Promise<boolean>;

const VERIFIED_CAPACITY = 10_000;

/** A verified caller: the token's subject (`''` when anonymous) and its granted access. */
export interface V2Caller {
  subject: string;
  access: ResourceScope[];
}

/**
 * Enforces registry tokens on /v2/ (distribution's token spec). No token, a bad token, or a
 * token that never asked for this resource: 401 with the challenge naming exactly the scope
 * needed. A token that asked and was refused: 403 DENIED for a known caller, 401 for an
 * anonymous one (so the client logs in).
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
    private readonly projectExists: ProjectExists,
  ) {}

  async authorize(authorization: string | undefined, needed: ResourceScope | undefined): Promise<V2Caller> {
    const token = parseBearer(authorization);
    if (token === undefined) throw this.challenge(needed);
    const claims = await this.verify(token, needed);
    const caller = { subject: claims.sub, access: claims.access };
    if (needed === undefined) return caller;
    if (accessAllows(claims.access, needed.type, needed.name, performedAction(needed))) return caller;
    const asked = claims.access.some((entry) => entry.type === needed.type && entry.name === needed.name);
    if (asked && claims.sub !== '') throw await this.denied(needed);
    throw this.challenge(needed, 'insufficient_scope');
  }

  private async denied(needed: ResourceScope): Promise<RegistryError> {
    const project = needed.type === 'repository' ? repositoryProject(needed.name) : undefined;
    if (needed.type === 'repository' && (project === undefined || !(await this.projectExists(project)))) {
      const message =
        project === undefined
          ? `repository ${needed.name} is not in a project: names are <project>/<path>`
          : `project ${project} does not exist; create it first`;
      return new RegistryError('DENIED', message, { detail: { project: project ?? null } });
    }
    return new RegistryError('DENIED', `requested access to ${needed.type} ${needed.name} is denied`);
  }

  private async verify(token: string, needed: ResourceScope | undefined): Promise<TokenClaims> {
    const cached = this.verified.get(token);
    if (cached && cached.exp * 1000 > Date.now()) return cached;
    const claims = await this.verifyNow(token, needed);
    this.verified.delete(token);
    this.verified.set(token, claims);
    if (this.verified.size > VERIFIED_CAPACITY) this.verified.delete(this.verified.keys().next().value!);
    return claims;
  }

  private async verifyNow(token: string, needed: ResourceScope | undefined): Promise<TokenClaims> {
    try {
      return await this.keys.verify(token, this.settings.service);
    } catch (error) {
      if (error instanceof TokenError) throw this.challenge(needed, 'invalid_token');
      throw error;
    }
  }

  private challenge(
    needed: ResourceScope | undefined,
    error?: 'invalid_token' | 'insufficient_scope',
  ): RegistryError {
    const header = bearerChallenge({
      realm: this.settings.realm,
      service: this.settings.service,
      ...(needed && { scopes: [needed] }),
      ...(error && { error }),
    });
    const message = needed ? `authentication required for ${formatScope(needed)}` : 'authentication required';
    return new RegistryError('UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': header } });
  }
}
