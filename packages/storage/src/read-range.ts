import { InvalidOffsetError } from './errors.js';

/** The bytes a `reader` call serves: `[start, end)` of the object. */
export interface ReadRange {
  start: number;
  end: number;
}

/**
 * Checks the shape of a requested range before any I/O, so a caller's bug (a negative or
 * fractional offset) is reported as such even when the object does not exist.
 */
export function assertRangeShape(path: string, offset: number, length: number | undefined): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidOffsetError(path, offset, 'offset must be a non-negative integer');
  }
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new InvalidOffsetError(path, offset, `length ${length} must be a non-negative integer`);
  }
}

/**
 * Resolves a requested range against the object's size. `offset === size` is a valid, empty
 * read (a client resuming a finished download); past the end is `InvalidOffsetError`. A length
 * running past the end is clamped, as HTTP range requests are.
 */
export function resolveReadRange(
  path: string,
  offset: number,
  length: number | undefined,
  size: number,
): ReadRange {
  if (offset > size) throw new InvalidOffsetError(path, offset, `object is ${size} bytes`);
  const end = length === undefined ? size : Math.min(size, offset + length);
  return { start: offset, end };
}
