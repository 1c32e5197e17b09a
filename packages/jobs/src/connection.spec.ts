import { describe, expect, it } from '@jest/globals';
import { describeRedisUrl, reconnectDelay, redisOptions, RedisUrlError } from './connection.js';

describe('redisOptions', () => {
  it('reads host, port, credentials, database and TLS from the URL', () => {
    expect(redisOptions('rediss://jobs:s%40cret@redis.internal:6380/2', 'producer')).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      username: 'jobs',
      password: 's@cret',
      db: 2,
      tls: {},
    });
    expect(redisOptions('redis://127.0.0.1', 'worker')).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
      db: 0,
    });
  });

  it('lets a worker wait for Redis, and makes a producer fail fast', () => {
    expect(redisOptions('redis://h', 'worker')).toMatchObject({ maxRetriesPerRequest: null });
    expect(redisOptions('redis://h', 'producer')).toMatchObject({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 1000,
    });
  });

  it('refuses what is not a Redis URL', () => {
    expect(() => redisOptions('http://h', 'worker')).toThrow(RedisUrlError);
    expect(() => redisOptions('redis://h/x', 'worker')).toThrow(RedisUrlError);
    expect(() => redisOptions('nope', 'worker')).toThrow(RedisUrlError);
  });

  it('backs off up to 30 s', () => {
    expect([1, 2, 3, 20].map(reconnectDelay)).toEqual([500, 1000, 2000, 30_000]);
  });

  it('never shows the password', () => {
    expect(describeRedisUrl('redis://u:hunter2@h:1/0')).toBe('redis://u:***@h:1/0');
    expect(describeRedisUrl('redis://h:6379')).toBe('redis://h:6379');
  });
});
