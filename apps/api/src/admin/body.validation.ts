import { invalid } from './admin.errors.js';

/**
 * Reading untrusted JSON bodies field by field. Every failure is a 400 naming the field, so a
 * wrong type, a missing field or a huge string never reaches the stores.
 */
export type JsonObject = Record<string, unknown>;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The body as an object; anything else (absent, array, scalar) is a 400. */
export function objectBody(body: unknown): JsonObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'must be a JSON object');
  }
  return body as JsonObject;
}

export interface StringRule {
  min?: number;
  max: number;
  pattern?: RegExp;
  /** Said after "must match" when `pattern` fails, e.g. the grammar in words. */
  patternHint?: string;
}

export function requiredString(body: JsonObject, field: string, rule: StringRule): string {
  const value = body[field];
  if (value === undefined || value === null) throw invalid(field, 'is required');
  return checkString(value, field, rule);
}

export function optionalString(body: JsonObject, field: string, rule: StringRule): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  return checkString(value, field, rule);
}

function checkString(value: unknown, field: string, rule: StringRule): string {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  // PostgreSQL text cannot hold NUL; other control characters have no place in names either.
  if (CONTROL.test(value)) throw invalid(field, 'must not contain control characters');
  const min = rule.min ?? 1;
  if (value.length < min)
    throw invalid(field, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
  if (value.length > rule.max) throw invalid(field, `must be at most ${rule.max} characters`);
  if (rule.pattern && !rule.pattern.test(value)) {
    throw invalid(field, `must match ${rule.patternHint ?? rule.pattern.source}`);
  }
  return value;
}

export function requiredBoolean(body: JsonObject, field: string): boolean {
  const value = body[field];
  if (value === undefined || value === null) throw invalid(field, 'is required');
  if (typeof value !== 'boolean') throw invalid(field, 'must be true or false');
  return value;
}

export function optionalBoolean(body: JsonObject, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(field, 'must be true or false');
  return value;
}

/** An integer within [min, max]; `null` is returned as `null` when `nullable`. */
export function optionalInteger(
  body: JsonObject,
  field: string,
  range: { min: number; max: number },
): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(field, 'must be an integer');
  if (value < range.min || value > range.max) {
    throw invalid(field, `must be between ${range.min} and ${range.max}`);
  }
  return value;
}

/** A list of strings, each one of `allowed`, deduplicated; empty is a 400. */
export function stringSet<T extends string>(value: unknown, field: string, allowed: readonly T[]): T[] {
  if (!Array.isArray(value)) throw invalid(field, `must be a list of ${allowed.join(', ')}`);
  if (value.length === 0) throw invalid(field, 'must not be empty');
  if (value.length > 16) throw invalid(field, 'has too many entries');
  const result: T[] = [];
  for (const item of value) {
    if (typeof item !== 'string' || !(allowed as readonly string[]).includes(item)) {
      throw invalid(field, `must contain only ${allowed.join(', ')}`);
    }
    if (!result.includes(item as T)) result.push(item as T);
  }
  return result;
}
