import type { Redis, RedisOptions } from 'ioredis';
import { ioredis } from './lazy-modules.js';

/**
 * How a process talks to Redis. `worker`: blocking commands wait for Redis however long it is
 * away (BullMQ requires `maxRetriesPerRequest: null`), reconnecting with back-off. `producer`:
 * an api request must not hang on a missing Redis, so commands fail at once while disconnected
 * (no offline queue) and a connection attempt gives up after a second.
 */
export type RedisRole = 'worker' | 'producer';

export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
}

/** Reconnect delays: 0.5 s, 1 s, 2 s, … up to 30 s (ioredis calls this before every attempt). */
export function reconnectDelay(attempt: number): number {
  return Math.min(500 * 2 ** Math.min(Math.max(attempt - 1, 0), 6), 30_000);
}

/** ioredis options for `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
export function redisOptions(redisUrl: string, role: RedisRole): RedisOptions {
  let url: URL;
  try {
    url = new URL(redisUrl);
  } catch {
    throw new RedisUrlError(`not a URL: ${describeRedisUrl(redisUrl)}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RedisUrlError(`expected redis:// or rediss://, got ${url.protocol}`);
  }
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new RedisUrlError(`not a database number: ${url.pathname.slice(1)}`);
  const base: RedisOptions = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: url.port === '' ? 6379 : Number(url.port),
    db,
    ...(url.username !== '' && { username: decodeURIComponent(url.username) }),
    ...(url.password !== '' && { password: decodeURIComponent(url.password) }),
    ...(url.protocol === 'rediss:' && { tls: {} }),
    retryStrategy: reconnectDelay,
  };
  return role === 'worker'
    ? { ...base, maxRetriesPerRequest: null, connectTimeout: 5_000 }
    : { ...base, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 1_000 };
}

/** The URL without its password, for logs and messages. */
export function describeRedisUrl(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(an invalid URL)';
  }
}

/** A connected client for `role`; it reconnects on its own. Attach an `error` listener. */
export function connectRedis(redisUrl: string, role: RedisRole): Redis {
  return new (ioredis().Redis)(redisOptions(redisUrl, role));
}

/**
 * Whether Redis answers PING within `timeoutMs`, with one connection attempt; the reason when
 * not (never containing the password).
 */
export async function probeRedis(
  redisUrl: string,
  timeoutMs = 2_000,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client: Redis = new (ioredis().Redis)({
    ...redisOptions(redisUrl, 'producer'),
    connectTimeout: timeoutMs,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause = error));
  try {
    await client.connect();
    await client.ping();
    return { ok: true };
  } catch (error) {
    const reason = cause ?? error;
    return { ok: false, reason: reason instanceof Error ? reason.message : String(reason) };
  } finally {
    client.disconnect();
  }
}
