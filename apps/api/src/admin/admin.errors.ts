import { BadRequestException, ConflictException } from '@nestjs/common';
import { basicChallenge } from '@berth/auth';
import { RegistryError } from '@berth/oci';

/**
 * The admin API's failures, built on the kinds the global filter already knows: RegistryError
 * kinds keep their status and headers, HttpException statuses are kept. Each becomes a problem
 * body; messages are static or name the offending field, never echo a secret.
 */

/** 400: the body or query named by `field` is wrong. */
export function invalid(field: string, problem: string): BadRequestException {
  return new BadRequestException(`${field} ${problem}`);
}

/** 401 with the Basic challenge, so browsers and curl know how to log in. */
export function unauthenticated(message = 'authentication required'): RegistryError {
  return new RegistryError('UNAUTHORIZED', message, {
    headers: { 'WWW-Authenticate': basicChallenge('Berth') },
  });
}

/** 429 after too many failed logins. */
export function throttled(retryAfterSeconds: number): RegistryError {
  return new RegistryError('TOO_MANY_REQUESTS', 'too many failed logins; try again later', {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });
}

/** 403: authenticated, but not allowed. */
export function forbidden(message = 'you are not allowed to do this'): RegistryError {
  return new RegistryError('DENIED', message);
}

/** 404 for a resource the caller named in the path. */
export function notFound(message: string): RegistryError {
  return new RegistryError('NOT_FOUND', message);
}

/** 409: the request contradicts the current state. */
export function conflict(message: string): ConflictException {
  return new ConflictException(message);
}
