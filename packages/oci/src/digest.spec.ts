import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  digestAlgorithm,
  digestHex,
  Digester,
  digestOf,
  isDigest,
  parseDigest,
  type Digest,
} from './digest.js';
import { RegistryError } from './errors.js';

// Well-known digests, so the tests do not only check the code against itself.
const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const EMPTY_SHA512 =
  'sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';
const EMPTY_JSON_SHA256 = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
const HEX64 = '6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b';
const HEX128 = HEX64 + HEX64;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function expectDigestInvalid(value: string): RegistryError {
  const error = thrown(() => parseDigest(value));
  expect(error).toBeInstanceOf(RegistryError);
  expect(error).toMatchObject({ kind: 'DIGEST_INVALID', code: 'DIGEST_INVALID', status: 400 });
  return error as RegistryError;
}

describe('parseDigest', () => {
  it.each([
    ['sha256, spec example', `sha256:${HEX64}`],
    ['sha256 of the empty string', EMPTY_SHA256],
    ['sha256 of {}', EMPTY_JSON_SHA256],
    ['sha256, all zeros', `sha256:${'0'.repeat(64)}`],
    ['sha256, all f', `sha256:${'f'.repeat(64)}`],
    ['sha512', `sha512:${HEX128}`],
    ['sha512 of the empty string', EMPTY_SHA512],
  ])('accepts %s', (_label, value) => {
    expect(parseDigest(value)).toBe(value);
    expect(isDigest(value)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['no separator', HEX64],
    ['algorithm only', 'sha256'],
    ['algorithm and colon only', 'sha256:'],
    ['encoded only', `:${HEX64}`],
    ['uppercase hex', `sha256:${HEX64.toUpperCase()}`],
    ['one uppercase hex digit', `sha256:A${HEX64.slice(1)}`],
    ['uppercase algorithm', `SHA256:${HEX64}`],
    ['mixed-case algorithm', `Sha256:${HEX64}`],
    ['sha256 hex one short (63)', `sha256:${HEX64.slice(1)}`],
    ['sha256 hex one long (65)', `sha256:${HEX64}0`],
    ['sha256 hex of sha512 length', `sha256:${HEX128}`],
    ['sha512 hex one short (127)', `sha512:${HEX128.slice(1)}`],
    ['sha512 hex one long (129)', `sha512:${HEX128}0`],
    ['sha512 hex of sha256 length', `sha512:${HEX64}`],
    ['non-hex letters in sha256', `sha256:${'g'.repeat(64)}`],
    ['grammar-legal but non-hex (=) in sha256', `sha256:${'=' + HEX64.slice(1)}`],
    ['grammar-legal but non-hex (_-) in sha256', `sha256:${'_-' + HEX64.slice(2)}`],
    ['unknown algorithm (md5)', 'md5:d41d8cd98f00b204e9800998ecf8427e'],
    ['unknown algorithm (sha1)', 'sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['unknown algorithm (sha384)', `sha384:${'a'.repeat(96)}`],
    ['registered but unimplemented (blake3)', `blake3:${HEX64}`],
    [
      'unregistered, grammar-valid (multihash+base58)',
      'multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8',
    ],
    ['unregistered, grammar-valid (sha256+b64u)', 'sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564'],
    ['leading whitespace', ` sha256:${HEX64}`],
    ['trailing whitespace', `sha256:${HEX64} `],
    ['trailing newline', `sha256:${HEX64}\n`],
    ['two colons', `sha256:${HEX64}:${HEX64}`],
    ['algorithm with empty component', `sha256+:${HEX64}`],
    ['algorithm with leading separator', `-sha256:${HEX64}`],
    ['algorithm with two separators', `sha..256:${HEX64}`],
    ['space separator', `sha256 ${HEX64}`],
    ['slash in encoded', `sha256:${HEX64.slice(0, 32)}/${HEX64.slice(33)}`],
    ['unicode digit', `sha256:${'٣'.repeat(64)}`],
    ['unicode letter in algorithm', `shä256:${HEX64}`],
    ['percent-encoded colon', `sha256%3A${HEX64}`],
    ['huge (10 000 chars)', `sha256:${'a'.repeat(10_000)}`],
    ['just over the 256-char input limit', `sha256:${'a'.repeat(250)}`],
  ])('refuses %s with DIGEST_INVALID', (_label, value) => {
    expectDigestInvalid(value);
    expect(isDigest(value)).toBe(false);
  });

  it('keeps the message short for huge input', () => {
    const error = expectDigestInvalid(`sha256:${'a'.repeat(1_000_000)}`);
    expect(error.message.length).toBeLessThan(300);
  });

  it('names the unsupported algorithm', () => {
    expect(expectDigestInvalid(`blake3:${HEX64}`).message).toContain('blake3');
  });
});

describe('digestAlgorithm and digestHex', () => {
  it.each([
    [`sha256:${HEX64}` as Digest, 'sha256', HEX64],
    [`sha512:${HEX128}` as Digest, 'sha512', HEX128],
  ])('split %s', (digest, algorithm, hex) => {
    expect(digestAlgorithm(digest)).toBe(algorithm);
    expect(digestHex(digest)).toBe(hex);
    expect(`${digestAlgorithm(digest)}:${digestHex(digest)}`).toBe(digest);
  });
});

describe('digestOf', () => {
  it('computes sha256 by default', () => {
    expect(digestOf(Buffer.alloc(0))).toBe(EMPTY_SHA256);
    expect(digestOf('{}')).toBe(EMPTY_JSON_SHA256);
    expect(digestOf(Buffer.from('{}'))).toBe(EMPTY_JSON_SHA256);
  });

  it('computes sha512 on request', () => {
    expect(digestOf('', 'sha512')).toBe(EMPTY_SHA512);
  });

  it('hashes strings as UTF-8', () => {
    expect(digestOf('é')).toBe(digestOf(Buffer.from([0xc3, 0xa9])));
  });

  it('hashes bytes exactly: whitespace changes the digest', () => {
    expect(digestOf('{}')).not.toBe(digestOf('{ }'));
    expect(digestOf('{}')).not.toBe(digestOf('{}\n'));
  });

  it('produces digests parseDigest accepts', () => {
    const content = Buffer.from('hello, registry');
    expect(parseDigest(digestOf(content))).toBe(digestOf(content));
    expect(parseDigest(digestOf(content, 'sha512'))).toBe(digestOf(content, 'sha512'));
  });
});

describe('Digester', () => {
  it('matches digestOf over chunked input and counts bytes', () => {
    const chunks = [
      Buffer.from('hello, '),
      Buffer.alloc(0),
      Buffer.from('registry'),
      Buffer.alloc(70_000, 7),
    ];
    const whole = Buffer.concat(chunks);
    const digester = new Digester();
    for (const chunk of chunks) digester.update(chunk);
    expect(digester.size).toBe(whole.length);
    expect(digester.digest()).toBe(digestOf(whole));
    expect(digester.algorithm).toBe('sha256');
  });

  it('digests nothing as the empty-content digest', () => {
    const digester = new Digester();
    expect(digester.size).toBe(0);
    expect(digester.digest()).toBe(EMPTY_SHA256);
  });

  it('supports sha512', () => {
    const digester = new Digester('sha512');
    digester.update(Buffer.from('abc'));
    expect(digester.digest()).toBe(`sha512:${createHash('sha512').update('abc').digest('hex')}`);
    expect(digester.size).toBe(3);
  });
});
