import { describe, expect, it } from '@jest/globals';
import { ConfigError, isCronPattern, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('gives the documented defaults on an empty environment', () => {
    const config = loadConfig({}, '/srv/berth');
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 5000,
      publicUrl: 'http://127.0.0.1:5000',
      dataDir: '/srv/berth/data',
      storageUrl: 'file:///srv/berth/data/storage',
      databaseUrl: undefined,
      logLevel: 'info',
      tokenPort: 5001,
      tokenRealm: 'http://127.0.0.1:5001/service/token',
      tokenService: '127.0.0.1:5000',
      adminPassword: undefined,
      tokenKeyFile: '/srv/berth/data/token-signing-key.pem',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'berth',
      gcGraceSeconds: 3600,
      uploadMaxAgeSeconds: 86400,
      uploadPurgeCron: '0 * * * *',
      workerStaleSeconds: 60,
      gcBatchSize: 500,
      secretKey: undefined,
      secretKeyFile: '/srv/berth/data/secret-key',
      auditRetentionDays: 90,
      auditPullWindowSeconds: 60,
      pullFlushMs: 5000,
    });
  });

  it('follows BERTH_PORT in the default public URL, and takes explicit values', () => {
    const config = loadConfig(
      {
        BERTH_PORT: '6000',
        BERTH_DATA_DIR: '/d',
        BERTH_STORAGE: 'memory://',
        DATABASE_URL: 'postgres://u@h/db',
      },
      '/',
    );
    expect(config.publicUrl).toBe('http://127.0.0.1:6000');
    expect(config.storageUrl).toBe('memory://');
    expect(config.databaseUrl).toBe('postgres://u@h/db');
  });

  it.each([
    ['BERTH_PORT', 'eighty'],
    ['BERTH_PORT', '70000'],
    ['BERTH_PUBLIC_URL', 'not a url'],
    ['BERTH_STORAGE', '/plain/path'],
    ['DATABASE_URL', 'mysql://x'],
    ['BERTH_LOG_LEVEL', 'loud'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['BERTH_QUEUE_PREFIX', 'a:b'],
    ['BERTH_GC_GRACE_SECONDS', '-1'],
    ['BERTH_GC_GRACE_SECONDS', '1.5'],
    ['BERTH_UPLOAD_MAX_AGE_SECONDS', '10'],
    ['BERTH_UPLOAD_PURGE_CRON', '0 * * *'],
    ['BERTH_WORKER_STALE_SECONDS', '1'],
    ['BERTH_GC_BATCH_SIZE', '0'],
    ['BERTH_GC_BATCH_SIZE', '20000'],
    ['BERTH_AUDIT_RETENTION_DAYS', '-1'],
    ['BERTH_AUDIT_RETENTION_DAYS', '99999'],
    ['BERTH_AUDIT_PULL_WINDOW_SECONDS', '0'],
    ['BERTH_PULL_FLUSH_MS', '5'],
    ['BERTH_PULL_FLUSH_MS', '1s'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('takes the job settings, 0 s of GC grace included', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://jobs:secret@redis:6380/1',
      BERTH_QUEUE_PREFIX: 'berth-e2e-1',
      BERTH_GC_GRACE_SECONDS: '0',
      BERTH_UPLOAD_MAX_AGE_SECONDS: '600',
      BERTH_UPLOAD_PURGE_CRON: ' */5  * * * * ',
      BERTH_WORKER_STALE_SECONDS: '5',
      BERTH_GC_BATCH_SIZE: '10',
    });
    expect(config).toMatchObject({
      redisUrl: 'rediss://jobs:secret@redis:6380/1',
      queuePrefix: 'berth-e2e-1',
      gcGraceSeconds: 0,
      uploadMaxAgeSeconds: 600,
      uploadPurgeCron: '*/5 * * * *',
      workerStaleSeconds: 5,
      gcBatchSize: 10,
    });
  });

  it('takes the audit settings, 0 days (keep forever) included', () => {
    const config = loadConfig({ BERTH_AUDIT_RETENTION_DAYS: '0', BERTH_AUDIT_PULL_WINDOW_SECONDS: '5' });
    expect(config).toMatchObject({ auditRetentionDays: 0, auditPullWindowSeconds: 5 });
  });

  it('flushes pull counters every 5 s unless told otherwise', () => {
    expect(loadConfig({}).pullFlushMs).toBe(5000);
    expect(loadConfig({ BERTH_PULL_FLUSH_MS: '100' }).pullFlushMs).toBe(100);
  });

  it('never echoes a bad REDIS_URL, which may hold a password', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://u:hunter2@h' })).not.toThrow(/hunter2/);
  });
});

describe('isCronPattern', () => {
  it.each(['0 * * * *', '*/15 2-4 * * mon-fri', '0 3 1,15 * *', '5 4 * jan 0'])('accepts %s', (pattern) => {
    expect(isCronPattern(pattern)).toBe(true);
  });
  it.each(['', '* * * *', '* * * * * *', '0 3 * * ?', '@daily', '0 3 * * * ; rm'])(
    'refuses %s',
    (pattern) => {
      expect(isCronPattern(pattern)).toBe(false);
    },
  );
});
