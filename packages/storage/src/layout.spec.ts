import { describe, expect, it } from '@jest/globals';
import { InvalidPathError } from './errors.js';
import { blobDataPath, blobDir, blobsRoot, uploadDataPath, uploadDir, uploadsRoot } from './layout.js';
import { assertObjectPath } from './path.js';
import { showInput } from './testsuite/driver-fixture.js';

const SHA256_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA512_HEX =
  'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';

const HOSTILE_DIGESTS: unknown[] = [
  '',
  ':',
  SHA256_HEX,
  `sha256:`,
  `sha256:${SHA256_HEX.slice(1)}`,
  `sha256:${SHA256_HEX}0`,
  `sha256:${SHA256_HEX.toUpperCase()}`,
  `SHA256:${SHA256_HEX}`,
  `Sha256:${SHA256_HEX}`,
  `sha256 :${SHA256_HEX}`,
  ` sha256:${SHA256_HEX}`,
  `sha256:${SHA256_HEX} `,
  `sha256:${SHA256_HEX}\n`,
  `sha256:${SHA256_HEX}\0`,
  `sha256:${SHA256_HEX.slice(0, 63)}g`,
  `sha256:${SHA256_HEX.slice(0, 62)}/x`,
  `sha256:../../../../etc/passwd${'0'.repeat(40)}`,
  `sha256:${'.'.repeat(64)}`,
  `sha256:${'%2e'.repeat(21)}a`,
  `sha256:${SHA256_HEX.slice(0, 60)}\\..\\`,
  `sha256:sha256:${SHA256_HEX}`,
  `sha256:${SHA512_HEX}`,
  `sha512:${SHA256_HEX}`,
  `sha512:${SHA512_HEX.slice(1)}`,
  `sha384:${SHA256_HEX}${SHA256_HEX.slice(0, 32)}`,
  `md5:d41d8cd98f00b204e9800998ecf8427e`,
  `sha256+b64u:${SHA256_HEX}`,
  `constructor:${SHA256_HEX}`,
  `__proto__:${SHA256_HEX}`,
  `hasOwnProperty:${SHA256_HEX}`,
  `../sha256:${SHA256_HEX}`,
  `sha256/..:${SHA256_HEX}`,
  `sha256:${'\uff10'.repeat(64)}`, // fullwidth digits
  `sha256:${'٠'.repeat(64)}`, // Arabic-Indic digits
  undefined,
  null,
  42,
  { toString: () => `sha256:${SHA256_HEX}` },
];

const HOSTILE_UPLOAD_IDS: unknown[] = [
  '',
  'short',
  '1234567',
  'a'.repeat(65),
  '..',
  '../../../etc',
  '........',
  'abcd/efgh',
  'abcd\\efgh',
  '%2e%2e%2f%2e%2e',
  'abcdefgh\0',
  'abcdefgh\n',
  ' abcdefgh',
  'abcd_efgh',
  'abcd.efgh',
  'abcd:efgh',
  'abcdéfgh',
  '\uff41'.repeat(8), // fullwidth a
  'C:\\uploads',
  undefined,
  null,
  12345678,
  { toString: () => 'abcdefgh' },
];

describe('roots', () => {
  it('places blobs and uploads in their own top-level trees', () => {
    expect(blobsRoot()).toBe('/blobs');
    expect(uploadsRoot()).toBe('/uploads');
  });
});

describe('blobDataPath and blobDir', () => {
  it('fans sha256 blobs out by the first two hex characters', () => {
    expect(blobDir(`sha256:${SHA256_HEX}`)).toBe(`/blobs/sha256/e3/${SHA256_HEX}`);
    expect(blobDataPath(`sha256:${SHA256_HEX}`)).toBe(`/blobs/sha256/e3/${SHA256_HEX}/data`);
  });

  it('stores sha512 blobs in their own tree', () => {
    expect(blobDataPath(`sha512:${SHA512_HEX}`)).toBe(`/blobs/sha512/cf/${SHA512_HEX}/data`);
  });

  it('keeps every blob below blobsRoot, in a path every driver accepts', () => {
    for (const digest of [`sha256:${SHA256_HEX}`, `sha512:${SHA512_HEX}`, `sha256:${'0'.repeat(64)}`]) {
      const path = blobDataPath(digest);
      expect(path.startsWith(`${blobsRoot()}/`)).toBe(true);
      expect(path.startsWith(`${blobDir(digest)}/`)).toBe(true);
      expect(() => assertObjectPath(path)).not.toThrow();
    }
  });

  it('maps distinct digests to distinct paths', () => {
    const other = `${SHA256_HEX.slice(0, 63)}6`;
    expect(blobDataPath(`sha256:${other}`)).not.toBe(blobDataPath(`sha256:${SHA256_HEX}`));
  });

  it.each(HOSTILE_DIGESTS.map((digest) => [showInput(digest), digest]))(
    'refuses %s with InvalidPathError',
    (_shown, digest) => {
      expect(() => blobDataPath(digest as string)).toThrow(InvalidPathError);
      expect(() => blobDir(digest as string)).toThrow(InvalidPathError);
    },
  );

  it('names the digest and the rule in the error', () => {
    const digest = `sha256:${SHA256_HEX.toUpperCase()}`;
    expect(() => blobDataPath(digest)).toThrow(
      expect.objectContaining({ path: digest, code: 'INVALID_PATH' }),
    );
    expect(() => blobDataPath(digest)).toThrow(/64 lowercase hex/);
    expect(() => blobDataPath(`md5:${'0'.repeat(32)}`)).toThrow(/sha256 or sha512/);
  });
});

describe('uploadDataPath and uploadDir', () => {
  it.each(['abcdefgh', '3f1c2d4e-0b5a-4c6d-9e8f-7a6b5c4d3e2f', 'A'.repeat(64), '--------', 'a1-B2-c3'])(
    'places upload %s under uploadsRoot',
    (id) => {
      expect(uploadDir(id)).toBe(`/uploads/${id}`);
      expect(uploadDataPath(id)).toBe(`/uploads/${id}/data`);
      expect(() => assertObjectPath(uploadDataPath(id))).not.toThrow();
    },
  );

  it.each(HOSTILE_UPLOAD_IDS.map((id) => [showInput(id), id]))(
    'refuses %s with InvalidPathError',
    (_shown, id) => {
      expect(() => uploadDataPath(id as string)).toThrow(InvalidPathError);
      expect(() => uploadDir(id as string)).toThrow(InvalidPathError);
    },
  );
});
