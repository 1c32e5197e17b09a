import { InvalidArgumentError } from './errors.js';

export const AUDIT_OUTCOMES = ['success', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * Which events a listing keeps. Every field is optional and they combine with AND.
 * - `q`: a case-insensitive substring of the actor, action or resource.
 * - `actor`: exactly this actor (`anonymous` for anonymous pulls).
 * - `action`: a prefix of the action: `artifact.` keeps pushes, pulls and deletes, `login` logins.
 * - `resource`: exactly this resource, or, ending in `*`, every resource starting with what is
 *   before it (`repository:demo/*`).
 * - `from` (inclusive) and `to` (exclusive): the event's time.
 * - `project`: the project's own events: `project:<p>`, `repository:<p>/…`, `robot:robot$<p>+…`.
 */
export interface AuditFilter {
  q?: string;
  actor?: string;
  action?: string;
  resource?: string;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
  project?: string;
}

/**
 * A position in the log for keyset pagination: the last event a page showed. Opaque to clients
 * (`encodeAuditCursor`); `atMicros` keeps PostgreSQL's microseconds, which a `Date` would lose.
 */
export interface AuditCursor {
  atMicros: string;
  id: string;
}

const CURSOR = /^([0-9]{1,17})\.([1-9][0-9]{0,18})$/;

export function encodeAuditCursor(cursor: AuditCursor): string {
  return Buffer.from(`${cursor.atMicros}.${cursor.id}`, 'utf8').toString('base64url');
}

/** Throws `InvalidArgumentError` for anything `encodeAuditCursor` did not make. */
export function decodeAuditCursor(text: string): AuditCursor {
  const match = text.length <= 64 ? CURSOR.exec(Buffer.from(text, 'base64url').toString('utf8')) : null;
  // The id is a bigint: 19 digits can exceed it, which PostgreSQL would refuse with an error.
  if (!match || BigInt(match[2]!) > 9223372036854775807n) {
    throw new InvalidArgumentError('cursor is not one this listing returned');
  }
  return { atMicros: match[1]!, id: match[2]! };
}

/** `text` with LIKE's wildcards escaped (the default escape character is `\`). */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A WHERE clause (with leading `WHERE`, or empty) and its parameters, from `$<offset+1>` on. */
export function auditWhere(filter: AuditFilter, offset = 0): { sql: string; params: unknown[] } {
  const terms: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${offset + params.length}`;
  };
  if (filter.q !== undefined && filter.q !== '') {
    const q = param(filter.q);
    terms.push(
      `(strpos(lower(actor), lower(${q})) > 0 OR strpos(lower(action), lower(${q})) > 0 OR strpos(lower(resource), lower(${q})) > 0)`,
    );
  }
  if (filter.actor !== undefined) terms.push(`actor = ${param(filter.actor)}`);
  if (filter.action !== undefined) terms.push(`action LIKE ${param(likeLiteral(filter.action) + '%')}`);
  if (filter.resource !== undefined) {
    terms.push(
      filter.resource.endsWith('*')
        ? `resource LIKE ${param(likeLiteral(filter.resource.slice(0, -1)) + '%')}`
        : `resource = ${param(filter.resource)}`,
    );
  }
  if (filter.outcome !== undefined) {
    if (!(AUDIT_OUTCOMES as readonly string[]).includes(filter.outcome)) {
      throw new InvalidArgumentError(`unknown audit outcome ${JSON.stringify(filter.outcome)}`);
    }
    terms.push(`outcome = ${param(filter.outcome)}`);
  }
  if (filter.from !== undefined) terms.push(`at >= ${param(filter.from)}`);
  if (filter.to !== undefined) terms.push(`at < ${param(filter.to)}`);
  if (filter.project !== undefined) {
    const p = likeLiteral(filter.project);
    terms.push(
      `(resource = ${param(`project:${filter.project}`)} OR resource LIKE ${param(`repository:${p}/%`)}` +
        ` OR resource LIKE ${param(`robot:robot$${p}+%`)})`,
    );
  }
  return { sql: terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '', params };
}
