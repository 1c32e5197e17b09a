import { describe, expect, it } from '@jest/globals';
import { RegistryClientError } from './errors.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryableError, withRetry } from './retry.js';

const answer = (status: number, code = 'X') => new RegistryClientError('failed', { status, code });

describe('isRetryableError', () => {
  it('retries 5xx, 429 and network failures, not 4xx or verification failures', () => {
    expect(isRetryableError(answer(500))).toBe(true);
    expect(isRetryableError(answer(503))).toBe(true);
    expect(isRetryableError(answer(429))).toBe(true);
    expect(isRetryableError(answer(0, 'ECONNRESET'))).toBe(true);
    expect(isRetryableError(answer(0, 'TIMEOUT'))).toBe(true);
    expect(isRetryableError(answer(400))).toBe(false);
    expect(isRetryableError(answer(401))).toBe(false);
    expect(isRetryableError(answer(404))).toBe(false);
    expect(isRetryableError(answer(0, 'DIGEST_MISMATCH'))).toBe(false);
  });

  it('finds socket codes on cause chains, as fetch reports them', () => {
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(isRetryableError(new TypeError('fetch failed', { cause: socket }))).toBe(true);
    const wrapped = new RegistryClientError('failed', {
      status: 0,
      code: 'NETWORK_ERROR',
      cause: new TypeError('x', { cause: socket }),
    });
    expect(isRetryableError(wrapped)).toBe(true);
    expect(isRetryableError(new Error('plain'))).toBe(false);
  });
});

describe('withRetry', () => {
  const noJitter = { ...DEFAULT_RETRY_POLICY, jitter: 0 };

  it('backs off exponentially up to the cap, then gives up with the last error', async () => {
    const waits: number[] = [];
    let tries = 0;
    const failure = answer(503);
    await expect(
      withRetry(
        () => {
          tries += 1;
          return Promise.reject(failure);
        },
        {
          policy: { ...noJitter, attempts: 5, baseDelayMs: 100, maxDelayMs: 350 },
          sleep: (ms) => (waits.push(ms), Promise.resolve()),
        },
      ),
    ).rejects.toBe(failure);
    expect(tries).toBe(5);
    expect(waits).toEqual([100, 200, 350, 350]);
  });

  it('returns the first success and does not retry client errors', async () => {
    let tries = 0;
    const sleep = () => Promise.resolve();
    expect(
      await withRetry(
        (attempt) => (++tries < 3 ? Promise.reject(answer(0, 'ECONNRESET')) : Promise.resolve(attempt)),
        { sleep },
      ),
    ).toBe(3);
    tries = 0;
    await expect(withRetry(() => (tries++, Promise.reject(answer(404))), { sleep })).rejects.toMatchObject({
      status: 404,
    });
    expect(tries).toBe(1);
  });

  it('spreads delays by the jitter', () => {
    expect(backoffDelay(noJitter, 1)).toBe(200);
    expect(backoffDelay(noJitter, 3)).toBe(800);
    const waits: number[] = [];
    return withRetry(() => Promise.reject(answer(500)), {
      policy: { attempts: 2, baseDelayMs: 1000, jitter: 0.5 },
      random: () => 0,
      sleep: (ms) => (waits.push(ms), Promise.resolve()),
    }).catch(() => expect(waits).toEqual([500]));
  });
});
