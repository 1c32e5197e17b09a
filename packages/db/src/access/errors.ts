/**
 * Typed failures of the access stores. Each surface maps `code` to its status in one place:
 * `CONFLICT` → 409, `NOT_FOUND` → 404 (or 400 when the missing row was named in a body),
 * `INVALID_ARGUMENT` → 400. A database error that is none of these is a bug and stays untyped.
 */
export type RecordErrorCode = 'CONFLICT' | 'NOT_FOUND' | 'INVALID_ARGUMENT';

export abstract class RecordError extends Error {
  abstract readonly code: RecordErrorCode;
}

/** A create or add would duplicate a unique name (username, project, robot, membership, token). */
export class ConflictError extends RecordError {
  override readonly name = 'ConflictError';
  readonly code = 'CONFLICT';
}

/** A row the operation refers to does not exist, e.g. the project of a new robot or member. */
export class NotFoundError extends RecordError {
  override readonly name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
}

/** An argument no query can answer: a page below 1, an unknown sort key, an unknown role. */
export class InvalidArgumentError extends RecordError {
  override readonly name = 'InvalidArgumentError';
  readonly code = 'INVALID_ARGUMENT';
}
