import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { resolveSecretKey } from './secret-key.js';

describe('resolveSecretKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'berth-secret-key-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a key once into the data directory, mode 0600, and reads it back', async () => {
    const secretKeyFile = path.join(dir, 'data', 'secret-key');
    const [first, second] = await Promise.all([
      resolveSecretKey({ secretKey: undefined, secretKeyFile }),
      resolveSecretKey({ secretKey: undefined, secretKeyFile }),
    ]);
    expect(first).toHaveLength(32);
    expect(second.equals(first)).toBe(true);
    expect((await stat(secretKeyFile)).mode & 0o777).toBe(0o600);
    expect((await readFile(secretKeyFile, 'utf8')).trim()).toBe(first.toString('hex'));
  });

  it('takes BERTH_SECRET_KEY: 64 hex digits as the key, other text hashed', async () => {
    const hex = 'ab'.repeat(32);
    const secretKeyFile = path.join(dir, 'secret-key');
    expect((await resolveSecretKey({ secretKey: hex, secretKeyFile })).toString('hex')).toBe(hex);
    const passphrase = await resolveSecretKey({ secretKey: 'a passphrase', secretKeyFile });
    expect(passphrase).toHaveLength(32);
    await expect(stat(secretKeyFile)).rejects.toThrow();
  });
});
