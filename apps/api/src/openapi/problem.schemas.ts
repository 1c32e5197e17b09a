import type { ProblemStatus } from './api-doc.decorator.js';
import { defineSchema } from './schema.js';

/**
 * The one error shape of the admin API: the RFC 9457 problem body that `HttpErrorFilter`
 * (`problemBody()`) writes for every failure outside /v2/, with `code` when the failure is one
 * of the registry's typed errors (`admin.errors.ts`).
 */
export const PROBLEM = defineSchema('Problem', {
  type: 'object',
  description:
    'An RFC 9457 problem body (`Content-Type: application/problem+json`). Some answers add members, such as `runId` on a 409 of garbage collection.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', description: 'Always `about:blank`: `title` and `status` say it all.' },
    title: {
      type: 'string',
      description: 'What went wrong, for people: names the offending field or permission, never a secret.',
    },
    status: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status, repeated.' },
    code: {
      type: 'string',
      description:
        'A stable code for typed failures: `UNAUTHORIZED` (401), `DENIED` (403), `NOT_FOUND` (404), `TOOMANYREQUESTS` (429), `UNKNOWN` (500). Absent for validation errors and conflicts.',
    },
  },
  additionalProperties: true,
});

/** `components.responses` entries, by status: each a problem body with its own words. */
export const PROBLEM_RESPONSES: Record<ProblemStatus | 401, { name: string; description: string }> = {
  400: {
    name: 'BadRequest',
    description:
      'A body or query field is missing, of the wrong type, out of range or malformed; `title` names it.',
  },
  401: {
    name: 'Unauthorized',
    description:
      'No credentials, wrong credentials, or a token that does not verify or no longer names an active account.',
  },
  403: { name: 'Forbidden', description: 'Authenticated, but without the permission; `title` names it.' },
  404: { name: 'NotFound', description: 'What the path names does not exist.' },
  409: { name: 'Conflict', description: 'The request contradicts the current state; `title` says how.' },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than 1 MiB.' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not JSON.' },
  429: {
    name: 'TooManyRequests',
    description: 'Too many failed logins from this client; wait `Retry-After` seconds.',
  },
  500: {
    name: 'InternalError',
    description: "Berth's fault; logged on the server, answered without details.",
  },
};

/** Headers a problem answer carries besides its body. */
export const PROBLEM_HEADERS: Partial<Record<ProblemStatus | 401, Record<string, unknown>>> = {
  401: {
    'WWW-Authenticate': {
      description: 'How to authenticate: `Basic realm="Berth",charset="UTF-8"`.',
      schema: { type: 'string' },
    },
  },
  429: {
    'Retry-After': {
      description: 'Seconds to wait before the next try.',
      schema: { type: 'integer', minimum: 1 },
    },
  },
};
