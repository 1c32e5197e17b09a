import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BerthConfig } from './config.js';

/** 32 bytes as 64 hex digits: a key used as it is. Anything else is hashed to 32 bytes. */
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/**
 * The 32-byte key that encrypts stored remote-registry credentials (AES-256-GCM).
 * `BERTH_SECRET_KEY` wins: 64 hex digits are the key itself, any other text is hashed (SHA-256)
 * into one. Without it, `<data dir>/secret-key` is read, or created once with mode 0600 (`wx`:
 * the api and the worker starting together agree on the first writer's key). The key is never
 * logged; losing it makes stored credentials unreadable (they must be entered again).
 */
export async function resolveSecretKey(
  config: Pick<BerthConfig, 'secretKey' | 'secretKeyFile'>,
): Promise<Buffer> {
  if (config.secretKey !== undefined) return keyOf(config.secretKey);
  const existing = await readKeyFile(config.secretKeyFile);
  if (existing !== undefined) return keyOf(existing);
  await mkdir(path.dirname(config.secretKeyFile), { recursive: true });
  try {
    await writeFile(config.secretKeyFile, `${randomBytes(32).toString('hex')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // Another process may have created the file an instant ago and still be writing it.
  for (let attempt = 0; attempt < 50; attempt++) {
    const written = await readKeyFile(config.secretKeyFile);
    if (written !== undefined) return keyOf(written);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`secret key file ${config.secretKeyFile} is empty`);
}

function keyOf(text: string): Buffer {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, 'hex');
  return createHash('sha256').update(trimmed, 'utf8').digest();
}

async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
