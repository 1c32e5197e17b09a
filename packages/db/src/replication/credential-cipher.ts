import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM for stored remote-registry credentials, under the 32-byte BERTH_SECRET_KEY: a
 * random 12-byte IV per value, the auth tag kept with it. A value tampered with, or encrypted
 * under another key, fails to decrypt (`CredentialDecryptError`) rather than yield garbage.
 */
export class CredentialCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  }

  /** `v1:<iv>:<tag>:<ciphertext>`, base64 each. */
  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64'), tag.toString('base64'), data.toString('base64')].join(':');
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, data] = sealed.split(':');
    if (version !== VERSION || iv === undefined || tag === undefined || data === undefined) {
      throw new CredentialDecryptError('stored credential has an unknown format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new CredentialDecryptError(
        'stored credential cannot be decrypted (was BERTH_SECRET_KEY changed?)',
      );
    }
  }
}

export class CredentialDecryptError extends Error {
  override readonly name = 'CredentialDecryptError';
}
