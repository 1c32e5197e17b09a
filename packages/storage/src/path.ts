import { InvalidPathError } from './errors.js';

/**
 * Driver paths: the only way a name reaches a backend, so the only place that has to keep every
 * name inside the storage root.
 *
 * The grammar is Distribution's (`^(/[A-Za-z0-9._-]+)+$`) minus the `.` and `..` segments, which
 * its regexp lets through. An allow-list, not a deny-list: `%2e`, NUL, `\`, `:`, whitespace and
 * every non-ASCII look-alike fail because they are not in the alphabet, so no decoding, Unicode
 * normalisation or platform separator can turn an accepted path into an escape.
 */

/** Longest accepted path. Generous for the layout (a sha512 blob path is ~150 characters). */
export const MAX_PATH_LENGTH = 1024;

/** Longest accepted segment: `NAME_MAX` on the common filesystems, so a name never truncates. */
export const MAX_SEGMENT_LENGTH = 255;

/** The driver root. Valid for `stat`, `list` and `walk`, never as an object. */
export const ROOT_PATH = '/';

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Whether `name` may be one segment of a driver path. Drivers also use it to hide foreign files. */
export function isValidSegment(name: string): boolean {
  return name.length <= MAX_SEGMENT_LENGTH && SEGMENT.test(name) && name !== '.' && name !== '..';
}

/** Validates a path that names an object (never the root). Throws `InvalidPathError`. */
export function assertObjectPath(path: unknown): asserts path is string {
  const text = assertString(path);
  if (text === ROOT_PATH) throw new InvalidPathError(text, 'the root is a directory, not an object');
  assertSegments(text);
}

/** Validates a path that names a directory or an object; the root `/` is accepted. */
export function assertAnyPath(path: unknown): asserts path is string {
  const text = assertString(path);
  if (text !== ROOT_PATH) assertSegments(text);
}

/** The segments of a validated path; `[]` for the root. */
export function segmentsOf(path: string): string[] {
  return path === ROOT_PATH ? [] : path.slice(1).split('/');
}

/** The directory holding a validated path; the root for top-level names and for the root itself. */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? ROOT_PATH : path.slice(0, slash);
}

/** The child `name` of a validated directory path. `name` must already be a valid segment. */
export function childOf(dir: string, name: string): string {
  return dir === ROOT_PATH ? `/${name}` : `${dir}/${name}`;
}

/** Whether `path` is `dir` itself or lies below it (segment-wise: `/a/bc` is not below `/a/b`). */
export function isWithin(path: string, dir: string): boolean {
  return dir === ROOT_PATH || path === dir || path.startsWith(`${dir}/`);
}

function assertString(path: unknown): string {
  // Hostile input can arrive untyped (JSON bodies, query strings): never trust the static type.
  if (typeof path !== 'string') throw new InvalidPathError(String(path), 'not a string');
  if (path.length > MAX_PATH_LENGTH) {
    throw new InvalidPathError(path, `longer than ${MAX_PATH_LENGTH} characters`);
  }
  if (!path.startsWith('/')) throw new InvalidPathError(path, 'not absolute (must start with /)');
  return path;
}

function assertSegments(path: string): void {
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') throw new InvalidPathError(path, 'empty segment');
    if (segment === '.' || segment === '..') throw new InvalidPathError(path, `"${segment}" segment`);
    if (segment.length > MAX_SEGMENT_LENGTH) {
      throw new InvalidPathError(path, `segment longer than ${MAX_SEGMENT_LENGTH} characters`);
    }
    if (!SEGMENT.test(segment)) throw new InvalidPathError(path, 'segment outside [A-Za-z0-9._-]');
  }
}
