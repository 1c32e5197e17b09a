import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hashPassword } from '@berth/auth';
import { ConflictError, type UserRecords } from '@berth/db';

export interface AdminBootstrap {
  /** Set when the admin was created now with a generated password: where the password is. */
  passwordFile?: string;
  created: boolean;
}

/**
 * Creates user `admin` on first start. Its password is BERTH_ADMIN_PASSWORD, or a random one
 * written once to `<data dir>/admin-password` (0600). The password itself is never logged.
 */
export async function ensureAdminUser(
  users: UserRecords,
  dataDir: string,
  configuredPassword: string | undefined,
): Promise<AdminBootstrap> {
  if (await users.findByUsername('admin')) return { created: false };
  let password = configuredPassword;
  let passwordFile: string | undefined;
  if (password === undefined) {
    passwordFile = path.join(dataDir, 'admin-password');
    password = await readOrCreatePassword(passwordFile);
  }
  try {
    await users.create({ username: 'admin', passwordHash: await hashPassword(password), systemAdmin: true });
  } catch (error) {
    if (error instanceof ConflictError) return { created: false };
    throw error;
  }
  return { created: true, ...(passwordFile && { passwordFile }) };
}

async function readOrCreatePassword(file: string): Promise<string> {
  const password = randomBytes(18).toString('base64url');
  try {
    await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return password;
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
    return (await readFile(file, 'utf8')).trim();
  }
}
