import { RegistryError } from '@berth/oci';

/** An inclusive byte range `[start, end]` inside a blob. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a single `Range: bytes=…` header against a blob of `size` bytes (RFC 9110 §14.1.2).
 * Returns `undefined` when the header is absent or not a single byte range (the whole blob is
 * then served, as the RFC allows). Throws `RANGE_NOT_SATISFIABLE` for a range that starts past
 * the end, with the `Content-Range: bytes * /size` the client needs.
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [, first = '', last = ''] = match;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return undefined;
  }
  if (!Number.isSafeInteger(start) || start >= size) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): RegistryError {
  return new RegistryError('RANGE_NOT_SATISFIABLE', undefined, {
    headers: { 'Content-Range': `bytes */${size}` },
  });
}

/**
 * Parses an upload chunk's `Content-Range`: the spec's `<start>-<end>`, or the RFC form
 * `bytes <start>-<end>/<total|*>` some clients send. Returns `undefined` when absent.
 */
export function parseContentRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^(?:bytes\s+)?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match)
    throw new RegistryError('RANGE_NOT_SATISFIABLE', `malformed Content-Range ${JSON.stringify(header)}`);
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) {
    throw new RegistryError('RANGE_NOT_SATISFIABLE', `malformed Content-Range ${JSON.stringify(header)}`);
  }
  return { start, end };
}
