import { describe, expect, it } from '@jest/globals';
import { generateSigningKey, newTokenClaims, publicJwk, signToken, TOKEN_ISSUER } from '@berth/auth';
import { SigningKeyRecords, type SigningKeyRecord } from '@berth/db';
import { TokenKeys } from './token-keys.js';

/** Published keys whose listing takes `delayMs`, as a busy database would. */
class SlowKeyRecords extends SigningKeyRecords {
  lists = 0;
  constructor(
    private readonly published: SigningKeyRecord[],
    private readonly delayMs: number,
  ) {
    super();
  }
  publish(): Promise<boolean> {
    return Promise.resolve(false);
  }
  async list(): Promise<SigningKeyRecord[]> {
    this.lists += 1;
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.published;
  }
  retire(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

const key = generateSigningKey();
const record: SigningKeyRecord = {
  kid: key.kid,
  jwk: publicJwk(key) as unknown as Record<string, unknown>,
  createdAt: new Date(),
  retiredAt: null,
};
const token = signToken(
  newTokenClaims({
    issuer: TOKEN_ISSUER,
    subject: 'alice',
    audience: 'registry',
    access: [],
    expiresInSeconds: 300,
  }),
  key,
);

describe('TokenKeys', () => {
  it('verifies concurrent first tokens: callers wait for the reload in flight instead of failing', async () => {
    const records = new SlowKeyRecords([record], 50);
    const keys = new TokenKeys(records);
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => keys.verify(token, 'registry')));
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(records.lists).toBe(1);
  });

  it('rate-limits reloads for an unknown kid', async () => {
    const records = new SlowKeyRecords([], 0);
    const keys = new TokenKeys(records);
    await expect(keys.verify(token, 'registry')).rejects.toThrow();
    await expect(keys.verify(token, 'registry')).rejects.toThrow();
    expect(records.lists).toBe(1);
  });
});
