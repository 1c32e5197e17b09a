import { describe, expect, it } from '@jest/globals';
import { ERROR_TABLE, errorBody, isRegistryError, RegistryError, type ErrorKind } from './errors.js';

// distribution-spec "Error Codes": the `code` field MUST be one of these.
const SPEC_CODES = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
];
// Codes the Docker registry added, which clients also understand; Berth's own NOT_FOUND for unknown routes.
const EXTENSION_CODES = ['PAGINATION_NUMBER_INVALID', 'UNAVAILABLE', 'NOT_FOUND', 'UNKNOWN'];

const KINDS = Object.keys(ERROR_TABLE) as ErrorKind[];

describe('ERROR_TABLE', () => {
  it.each(KINDS)('%s has a well-formed code, an HTTP error status and a message', (kind) => {
    const { code, status, message } = ERROR_TABLE[kind];
    // "The code field MUST be a unique identifier, containing only uppercase alphabetic characters and underscores."
    expect(code).toMatch(/^[A-Z_]+$/);
    expect([...SPEC_CODES, ...EXTENSION_CODES]).toContain(code);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(600);
    expect(message.length).toBeGreaterThan(0);
  });

  it('uses every spec code', () => {
    const codes = new Set(KINDS.map((kind) => ERROR_TABLE[kind].code));
    for (const code of SPEC_CODES) expect(codes).toContain(code);
  });

  it.each([
    ['BLOB_UNKNOWN', 'BLOB_UNKNOWN', 404],
    ['BLOB_UPLOAD_INVALID', 'BLOB_UPLOAD_INVALID', 400],
    ['BLOB_UPLOAD_UNKNOWN', 'BLOB_UPLOAD_UNKNOWN', 404],
    ['RANGE_NOT_SATISFIABLE', 'BLOB_UPLOAD_INVALID', 416],
    ['DIGEST_INVALID', 'DIGEST_INVALID', 400],
    ['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_BLOB_UNKNOWN', 400],
    ['MANIFEST_INVALID', 'MANIFEST_INVALID', 400],
    ['MANIFEST_UNKNOWN', 'MANIFEST_UNKNOWN', 404],
    ['MANIFEST_TOO_LARGE', 'SIZE_INVALID', 413],
    ['NAME_INVALID', 'NAME_INVALID', 400],
    ['NAME_UNKNOWN', 'NAME_UNKNOWN', 404],
    ['SIZE_INVALID', 'SIZE_INVALID', 400],
    ['TAG_INVALID', 'MANIFEST_INVALID', 400],
    ['PAGINATION_INVALID', 'PAGINATION_NUMBER_INVALID', 400],
    ['UNAUTHORIZED', 'UNAUTHORIZED', 401],
    ['DENIED', 'DENIED', 403],
    ['UNSUPPORTED', 'UNSUPPORTED', 405],
    ['NOT_FOUND', 'NOT_FOUND', 404],
    ['TOO_MANY_REQUESTS', 'TOOMANYREQUESTS', 429],
    ['UNAVAILABLE', 'UNAVAILABLE', 503],
    ['INTERNAL', 'UNKNOWN', 500],
  ] as const)('%s → %s %d', (kind, code, status) => {
    expect(ERROR_TABLE[kind]).toMatchObject({ code, status });
    expect(new RegistryError(kind)).toMatchObject({ kind, code, status });
  });

  it('the table above covers every kind', () => {
    expect(KINDS).toHaveLength(21);
  });

  it('uses the spec descriptions as default messages for spec codes', () => {
    expect(ERROR_TABLE.BLOB_UNKNOWN.message).toBe('blob unknown to registry');
    expect(ERROR_TABLE.MANIFEST_BLOB_UNKNOWN.message).toBe(
      'manifest references a manifest or blob unknown to registry',
    );
    expect(ERROR_TABLE.NAME_UNKNOWN.message).toBe('repository name not known to registry');
    expect(ERROR_TABLE.TOO_MANY_REQUESTS.message).toBe('too many requests');
  });
});

describe('RegistryError', () => {
  it('is an Error with the default message', () => {
    const error = new RegistryError('MANIFEST_UNKNOWN');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.name).toBe('RegistryError');
    expect(error.message).toBe('manifest unknown to registry');
    expect(error.detail).toBeUndefined();
    expect(error.headers).toEqual({});
    expect(error.stack).toContain('RegistryError');
  });

  it('takes a message, detail and headers', () => {
    const error = new RegistryError('RANGE_NOT_SATISFIABLE', 'chunk out of order', {
      detail: { expectedOffset: 10 },
      headers: { Range: '0-9' },
    });
    expect(error.message).toBe('chunk out of order');
    expect(error.detail).toEqual({ expectedOffset: 10 });
    expect(error.headers).toEqual({ Range: '0-9' });
    expect(error).toMatchObject({ kind: 'RANGE_NOT_SATISFIABLE', code: 'BLOB_UPLOAD_INVALID', status: 416 });
  });

  it('falls back to the default message when given undefined', () => {
    expect(new RegistryError('DENIED', undefined, { detail: 'x' }).message).toBe(ERROR_TABLE.DENIED.message);
  });

  it('keeps an empty message (the spec allows it)', () => {
    expect(new RegistryError('DENIED', '').message).toBe('');
  });
});

describe('isRegistryError', () => {
  it.each([
    [new Error('boom'), false],
    [new TypeError('boom'), false],
    [{ kind: 'DENIED', code: 'DENIED', status: 403, message: 'fake' }, false],
    [null, false],
    [undefined, false],
    ['DENIED', false],
  ])('%p → %p', (value, expected) => {
    expect(isRegistryError(value)).toBe(expected);
  });

  it('recognises a RegistryError', () => {
    expect(isRegistryError(new RegistryError('UNAVAILABLE'))).toBe(true);
  });
});

describe('errorBody', () => {
  it('serialises one error in the spec shape, without detail when there is none', () => {
    const body = errorBody(new RegistryError('NAME_UNKNOWN'));
    expect(body).toEqual({
      errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }],
    });
    expect(Object.keys(body.errors[0]!)).toEqual(['code', 'message']);
  });

  it('serialises several errors in order, with detail when present', () => {
    const body = errorBody(
      new RegistryError('MANIFEST_BLOB_UNKNOWN', undefined, { detail: { digest: 'sha256:abc' } }),
      new RegistryError('TAG_INVALID', 'invalid tag "-x"'),
    );
    expect(body).toEqual({
      errors: [
        {
          code: 'MANIFEST_BLOB_UNKNOWN',
          message: 'manifest references a manifest or blob unknown to registry',
          detail: { digest: 'sha256:abc' },
        },
        { code: 'MANIFEST_INVALID', message: 'invalid tag "-x"' },
      ],
    });
  });

  it('keeps falsy details', () => {
    expect(errorBody(new RegistryError('DENIED', 'no', { detail: null })).errors[0]).toEqual({
      code: 'DENIED',
      message: 'no',
      detail: null,
    });
  });

  it('does not leak kind, status or headers onto the wire', () => {
    const body = errorBody(
      new RegistryError('UNAUTHORIZED', undefined, { headers: { 'WWW-Authenticate': 'Basic' } }),
    );
    expect(JSON.parse(JSON.stringify(body))).toEqual({
      errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }],
    });
  });

  it('serialises nothing as an empty list', () => {
    expect(errorBody()).toEqual({ errors: [] });
  });
});
