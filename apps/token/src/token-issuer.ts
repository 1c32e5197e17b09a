import {
  generateSecret,
  grantedActions,
  hashToken,
  newTokenClaims,
  repositoryProject,
  signToken,
  TOKEN_ISSUER,
  type ResourceScope,
  type SigningKey,
  type Subject,
} from '@berth/auth';
import type { ProjectRecords, RefreshTokenRecords, RobotRecords, UserRecords } from '@berth/db';

/** Registry tokens are short-lived; clients fetch a new one per push or pull session. */
export const TOKEN_TTL_SECONDS = 300;
/** Refresh tokens (docker's identity tokens) outlive sessions; password changes revoke them. */
export const REFRESH_TTL_SECONDS = 90 * 24 * 3600;

export interface IssuedToken {
  token: string;
  expiresIn: number;
  issuedAt: string;
  access: ResourceScope[];
}

/**
 * Decides what a subject gets and signs it. Every requested resource appears in `access`, with
 * the granted actions (possibly none): the api tells "never asked for this" (401, ask again)
 * from "asked and refused" (403 DENIED) by it.
 */
export class TokenIssuer {
  constructor(
    private readonly projects: ProjectRecords,
    private readonly users: UserRecords,
    private readonly robots: RobotRecords,
    private readonly refreshTokens: RefreshTokenRecords,
    private readonly key: SigningKey,
    private readonly service: string,
  ) {}

  async issue(subject: Subject, scopes: readonly ResourceScope[]): Promise<IssuedToken> {
    const access: ResourceScope[] = [];
    for (const scope of scopes) {
      const project = scope.type === 'repository' ? repositoryProject(scope.name) : undefined;
      const lookup =
        project && (await this.projects.accessFor(project, subject.kind === 'user' ? subject.id : undefined));
      const context =
        project && lookup
          ? {
              projectName: project,
              projectExists: lookup.exists,
              projectPublic: lookup.public,
              ...(lookup.role && { role: lookup.role }),
            }
          : undefined;
      access.push({ type: scope.type, name: scope.name, actions: grantedActions(subject, scope, context) });
    }
    const claims = newTokenClaims({
      issuer: TOKEN_ISSUER,
      subject: subjectName(subject),
      audience: this.service,
      access,
      expiresInSeconds: TOKEN_TTL_SECONDS,
    });
    return {
      token: signToken(claims, this.key),
      expiresIn: TOKEN_TTL_SECONDS,
      issuedAt: new Date(claims.iat * 1000).toISOString(),
      access,
    };
  }

  /** A new refresh token for the subject; only its hash is stored. */
  async createRefreshToken(subject: Exclude<Subject, { kind: 'anonymous' }>): Promise<string> {
    const secret = generateSecret();
    await this.refreshTokens.create({
      tokenHash: hashToken(secret),
      subjectKind: subject.kind,
      subjectId: subject.id,
      audience: this.service,
      expiresAt: new Date(Date.now() + REFRESH_TTL_SECONDS * 1000),
    });
    return secret;
  }

  async revokeRefreshToken(secret: string): Promise<void> {
    await this.refreshTokens.revoke(hashToken(secret));
  }

  /**
   * The subject a refresh token stands for, if the token is valid for this service and the
   * subject may still log in (not deleted, disabled or expired; no password change since).
   */
  async redeemRefreshToken(secret: string): Promise<Exclude<Subject, { kind: 'anonymous' }> | undefined> {
    const record = await this.refreshTokens.findValid(hashToken(secret));
    if (!record || record.audience !== this.service) return undefined;
    if (record.subjectKind === 'user') {
      const user = await this.users.findById(record.subjectId);
      if (!user || user.disabled || user.passwordChangedAt.getTime() > record.createdAt.getTime())
        return undefined;
      return { kind: 'user', id: user.id, username: user.username, systemAdmin: user.systemAdmin };
    }
    const robot = await this.robots.findById(record.subjectId);
    if (!robot || robot.disabled || (robot.expiresAt !== null && robot.expiresAt.getTime() <= Date.now())) {
      return undefined;
    }
    return {
      kind: 'robot',
      id: robot.id,
      name: robot.name,
      ...(robot.projectName !== null && { project: robot.projectName }),
      permissions: robot.permissions,
    };
  }
}

export function subjectName(subject: Subject): string {
  switch (subject.kind) {
    case 'anonymous':
      return '';
    case 'user':
      return subject.username;
    case 'robot':
      return subject.name;
  }
}
