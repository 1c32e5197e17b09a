import path from 'node:path';

/**
 * Berth's typed configuration, read once at boot from the environment (CONVENTIONS.md §8).
 * No other module reads `process.env`. Every variable here is documented in the README.
 */
export interface BerthConfig {
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  /** A storage URL: `file:///abs/path` or `memory://`. */
  storageUrl: string;
  /** `undefined` means: run the embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  logLevel: LogLevel;
  /** Port of the token service (`/service/token`). */
  tokenPort: number;
  /** The `realm` of the api's `WWW-Authenticate` challenge: where clients get tokens. */
  tokenRealm: string;
  /** The `service` of the challenge and the `aud` of registry tokens: the public host. */
  tokenService: string;
  /** The initial password of user `admin`; `undefined` means generate one into the data dir. */
  adminPassword: string | undefined;
  /** PEM file of the token signing key (PKCS#8, EC P-256 or RSA); generated when missing. */
  tokenKeyFile: string;
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…`: where BullMQ keeps the jobs. */
  redisUrl: string;
  /** Prefix of every BullMQ key: separates installations (or test runs) sharing one Redis. */
  queuePrefix: string;
  /** The default grace window of garbage collection, in seconds (0 allowed). */
  gcGraceSeconds: number;
  /** Upload sessions idle for longer than this many seconds are purged with their bytes. */
  uploadMaxAgeSeconds: number;
  /** 5-field cron pattern of the upload purge. */
  uploadPurgeCron: string;
  /** A running job whose worker has not reported for this many seconds is taken as dead. */
  workerStaleSeconds: number;
  /** Manifests or blobs garbage collection handles per batch (per transaction of row locks). */
  gcBatchSize: number;
  /**
   * BERTH_SECRET_KEY: encrypts stored remote-registry credentials. `undefined` means: read (or
   * generate once) `secretKeyFile`; see `resolveSecretKey`. Never logged.
   */
  secretKey: string | undefined;
  /** `<data dir>/secret-key` (mode 0600): the generated key when BERTH_SECRET_KEY is unset. */
  secretKeyFile: string;
  /** Audit events older than this many days are purged daily, until an administrator sets another value; 0 keeps them. */
  auditRetentionDays: number;
  /** Pulls of one artifact, and successful logins, by one client within this many seconds are one audit row. */
  auditPullWindowSeconds: number;
  /** How often the api writes the pull counters it aggregates in memory (milliseconds). */
  pullFlushMs: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new ConfigError(name, `not a port: ${raw}`);
  return value;
}

function url(env: Env, name: string, fallback: string): string {
  const raw = nonEmpty(env, name) ?? fallback;
  try {
    return new URL(raw).toString().replace(/\/$/, '');
  } catch {
    throw new ConfigError(name, `not a URL: ${raw}`);
  }
}

function storageUrl(env: Env, dataDir: string): string {
  const raw = nonEmpty(env, 'BERTH_STORAGE');
  if (raw === undefined) return `file://${path.join(dataDir, 'storage')}`;
  if (!/^(file|memory|s3):\/\//.test(raw)) {
    throw new ConfigError(
      'BERTH_STORAGE',
      `expected file:///path, memory:// or s3://bucket/prefix, got ${raw}`,
    );
  }
  return raw;
}

function seconds(env: Env, name: string, fallback: number, min = 0): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]{1,10}$/.test(raw) || Number(raw) < min)
    throw new ConfigError(name, `expected a whole number of seconds (at least ${min}), got ${raw}`);
  return Number(raw);
}

function batchSize(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 10_000)
    throw new ConfigError(name, `expected a whole number from 1 to 10000, got ${raw}`);
  return Number(raw);
}

function days(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]{1,5}$/.test(raw) || Number(raw) > 36_500)
    throw new ConfigError(name, `expected a whole number of days from 0 to 36500, got ${raw}`);
  return Number(raw);
}

function milliseconds(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new ConfigError(name, `expected a whole number of milliseconds from ${min} to ${max}, got ${raw}`);
  return Number(raw);
}

function queuePrefix(env: Env): string {
  const raw = nonEmpty(env, 'BERTH_QUEUE_PREFIX') ?? 'berth';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(raw))
    throw new ConfigError('BERTH_QUEUE_PREFIX', `expected 1-64 of A-Z a-z 0-9 _ . -, got ${raw}`);
  return raw;
}

function redisUrl(env: Env): string {
  const raw = nonEmpty(env, 'REDIS_URL') ?? 'redis://127.0.0.1:6379';
  // Never echo the value: it may carry a password.
  if (!/^rediss?:\/\/[^\s]+$/.test(raw) || !URL.canParse(raw))
    throw new ConfigError('REDIS_URL', 'expected redis://[user:password@]host[:port][/db] or rediss://');
  return raw;
}

const CRON_FIELD = /^(\*|[0-9a-z]+(-[0-9a-z]+)?)(\/[0-9]+)?(,(\*|[0-9a-z]+(-[0-9a-z]+)?)(\/[0-9]+)?)*$/i;

/** Whether `pattern` has the shape of a 5-field cron pattern (minute hour day month weekday). */
export function isCronPattern(pattern: string): boolean {
  const fields = pattern.trim().split(/\s+/);
  return fields.length === 5 && fields.every((field) => CRON_FIELD.test(field));
}

function cron(env: Env, name: string, fallback: string): string {
  const raw = nonEmpty(env, name) ?? fallback;
  if (!isCronPattern(raw)) throw new ConfigError(name, `expected a 5-field cron pattern, got ${raw}`);
  return raw.trim().split(/\s+/).join(' ');
}

/** Builds and validates the configuration; throws `ConfigError` naming the faulty variable. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): BerthConfig {
  const host = nonEmpty(env, 'BERTH_HOST') ?? '127.0.0.1';
  const apiPort = port(env, 'BERTH_PORT', 5000);
  const dataDir = path.resolve(cwd, nonEmpty(env, 'BERTH_DATA_DIR') ?? './data');
  const logLevel = (nonEmpty(env, 'BERTH_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError('BERTH_LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`);
  const databaseUrl = nonEmpty(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'expected postgres://user:pass@host:port/db');
  }
  const tokenPort = port(env, 'BERTH_TOKEN_PORT', 5001);
  const publicUrl = url(env, 'BERTH_PUBLIC_URL', `http://127.0.0.1:${apiPort}`);
  return {
    host,
    port: apiPort,
    publicUrl,
    dataDir,
    storageUrl: storageUrl(env, dataDir),
    databaseUrl,
    logLevel,
    tokenPort,
    tokenRealm: url(env, 'BERTH_TOKEN_REALM', `http://127.0.0.1:${tokenPort}/service/token`),
    tokenService: new URL(publicUrl).host,
    adminPassword: env.BERTH_ADMIN_PASSWORD === '' ? undefined : env.BERTH_ADMIN_PASSWORD,
    tokenKeyFile: path.resolve(
      cwd,
      nonEmpty(env, 'BERTH_TOKEN_KEY_FILE') ?? path.join(dataDir, 'token-signing-key.pem'),
    ),
    redisUrl: redisUrl(env),
    queuePrefix: queuePrefix(env),
    gcGraceSeconds: seconds(env, 'BERTH_GC_GRACE_SECONDS', 3600),
    uploadMaxAgeSeconds: seconds(env, 'BERTH_UPLOAD_MAX_AGE_SECONDS', 86400, 60),
    uploadPurgeCron: cron(env, 'BERTH_UPLOAD_PURGE_CRON', '0 * * * *'),
    workerStaleSeconds: seconds(env, 'BERTH_WORKER_STALE_SECONDS', 60, 3),
    gcBatchSize: batchSize(env, 'BERTH_GC_BATCH_SIZE', 500),
    secretKey: nonEmpty(env, 'BERTH_SECRET_KEY'),
    secretKeyFile: path.join(dataDir, 'secret-key'),
    auditRetentionDays: days(env, 'BERTH_AUDIT_RETENTION_DAYS', 90),
    auditPullWindowSeconds: seconds(env, 'BERTH_AUDIT_PULL_WINDOW_SECONDS', 60, 1),
    pullFlushMs: milliseconds(env, 'BERTH_PULL_FLUSH_MS', 5000, 10, 600_000),
  };
}
