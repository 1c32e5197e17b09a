import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  Authenticator,
  basicChallenge,
  jwks,
  keyFromJwk,
  parseAuthorization,
  parseScopes,
  type Subject,
} from '@berth/auth';
import { AuditRecords, LoginAudit, SigningKeyRecords } from '@berth/db';
import { subjectName, TokenIssuer } from './token-issuer.js';
import { TokenSettings } from './token-settings.js';

type Params = Record<string, string | string[] | undefined>;

/**
 * The Docker token service (distribution docs/spec/auth/token.md and oauth.md):
 * GET with Basic or no credentials, POST with the OAuth2 password and refresh_token grants.
 */
@Controller()
export class TokenController {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly issuer: TokenIssuer,
    private readonly settings: TokenSettings,
    private readonly audit: AuditRecords,
    private readonly logins: LoginAudit,
    private readonly signingKeys: SigningKeyRecords,
  ) {}

  @Get('service/token')
  async get(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const query = request.query as Params;
    if (!this.knownService(query.service, reply)) return;
    let subject: Subject = { kind: 'anonymous' };
    const authorization = parseAuthorization(request.headers.authorization);
    if (authorization?.scheme === 'basic') {
      const result = await this.login(authorization.username, authorization.password, request);
      if (!result.ok) return this.refuseBasic(reply, result);
      subject = result.subject;
    } else if (request.headers.authorization !== undefined) {
      return this.refuseBasic(reply, { reason: 'invalid' });
    }
    const scopes = parseScopes(values(query.scope)).scopes;
    const issued = await this.issuer.issue(subject, scopes);
    const wantsRefresh = first(query.offline_token) === 'true' && subject.kind !== 'anonymous';
    const refreshToken =
      wantsRefresh && subject.kind !== 'anonymous'
        ? await this.issuer.createRefreshToken(subject)
        : undefined;
    this.sendToken(reply, issued, refreshToken);
  }

  @Post('service/token')
  @HttpCode(200)
  async post(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = (request.body ?? {}) as Params;
    if (!this.knownService(form.service, reply)) return;
    const scopes = parseScopes((first(form.scope) ?? '').split(' ').filter(Boolean)).scopes;
    switch (first(form.grant_type) ?? '') {
      case 'password': {
        const result = await this.login(first(form.username) ?? '', first(form.password) ?? '', request);
        if (!result.ok) return this.refuseGrant(reply, result);
        const issued = await this.issuer.issue(result.subject, scopes);
        const refresh =
          first(form.access_type) === 'offline'
            ? await this.issuer.createRefreshToken(result.subject)
            : undefined;
        return this.sendToken(reply, issued, refresh, scopes.length > 0 ? first(form.scope) : undefined);
      }
      case 'refresh_token': {
        const secret = first(form.refresh_token) ?? '';
        const subject = secret === '' ? undefined : await this.issuer.redeemRefreshToken(secret);
        if (!subject) return this.refuseGrant(reply, { reason: 'invalid' });
        this.logins.record({
          actor: subjectName(subject),
          address: request.ip,
          resource: 'token',
          kind: 'refresh',
        });
        const issued = await this.issuer.issue(subject, scopes);
        return this.sendToken(reply, issued, secret, scopes.length > 0 ? first(form.scope) : undefined);
      }
      default:
        void reply
          .code(400)
          .send({ error: 'unsupported_grant_type', error_description: 'use password or refresh_token' });
    }
  }

  /**
   * Logout: revokes a refresh token (RFC 7009). Answers 200 whether or not the token was
   * known, so the endpoint tells nothing about which tokens exist.
   */
  @Post('service/token/revoke')
  @HttpCode(200)
  async revoke(@Req() request: FastifyRequest): Promise<Record<string, never>> {
    const form = (request.body ?? {}) as Params;
    const token = first(form.token);
    if (token) await this.issuer.revokeRefreshToken(token);
    return {};
  }

  /** The public keys api replicas verify tokens with (RFC 7517). */
  @Get('service/keys')
  async keys(): Promise<unknown> {
    const published = await this.signingKeys.list({ includeRetiredSince: new Date(Date.now() - 3600_000) });
    return jwks(
      published.flatMap((record) => {
        try {
          return [keyFromJwk(record.jwk)];
        } catch {
          return [];
        }
      }),
    );
  }

  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Checks a password (or robot secret). A success is counted into the aggregated `login` rows
   * (every pull fetches a token); each failure is its own row, written before the answer.
   */
  private async login(username: string, password: string, request: FastifyRequest) {
    const result = await this.authenticator.authenticate(username, password, request.ip);
    if (result.ok) {
      const actor = subjectName(result.subject);
      this.logins.record({ actor, address: request.ip, resource: 'token', kind: 'password' });
    } else {
      await this.audit.append({
        actor: username.slice(0, 255),
        action: 'login',
        resource: 'token',
        outcome: 'failure',
        address: request.ip,
        detail: { reason: result.reason },
      });
    }
    return result;
  }

  private knownService(service: string | string[] | undefined, reply: FastifyReply): boolean {
    const value = first(service);
    if (value === undefined || value === this.settings.service) return true;
    void reply
      .code(400)
      .send({ errors: [{ code: 'UNSUPPORTED', message: `unknown service ${value.slice(0, 100)}` }] });
    return false;
  }

  private refuseBasic(
    reply: FastifyReply,
    result: { reason: 'invalid' } | { reason: 'throttled'; retryAfterSeconds: number },
  ): void {
    if (result.reason === 'throttled') {
      void reply
        .code(429)
        .header('Retry-After', String(result.retryAfterSeconds))
        .send({ errors: [{ code: 'TOOMANYREQUESTS', message: 'too many failed logins; try again later' }] });
      return;
    }
    void reply
      .code(401)
      .header('WWW-Authenticate', basicChallenge('Berth'))
      .send({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] });
  }

  private refuseGrant(
    reply: FastifyReply,
    result: { reason: 'invalid' } | { reason: 'throttled'; retryAfterSeconds: number },
  ): void {
    if (result.reason === 'throttled') {
      void reply
        .code(429)
        .header('Retry-After', String(result.retryAfterSeconds))
        .send({ error: 'invalid_grant', error_description: 'too many failed logins; try again later' });
      return;
    }
    void reply.code(401).send({ error: 'invalid_grant', error_description: 'invalid credentials' });
  }

  private sendToken(
    reply: FastifyReply,
    issued: { token: string; expiresIn: number; issuedAt: string },
    refreshToken?: string,
    scope?: string,
  ): void {
    void reply.header('Cache-Control', 'no-store').send({
      token: issued.token,
      access_token: issued.token,
      expires_in: issued.expiresIn,
      issued_at: issued.issuedAt,
      ...(refreshToken && { refresh_token: refreshToken }),
      ...(scope && { scope }),
    });
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function values(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
