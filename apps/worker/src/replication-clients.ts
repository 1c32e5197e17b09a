import { createHash } from 'node:crypto';
import { RegistryClient, type RegistryClientOptions } from '@berth/client';

interface Entry {
  client: RegistryClient;
  createdAt: number;
}

/**
 * Registry clients shared by the replication tasks of one worker. A client remembers what it
 * learnt about its registry: the auth scheme (so requests skip the 401 round trip), tokens per
 * scope (one token request per repository rather than per task), and keep-alive connections.
 * A client per task paid all three on every artifact, and left its idle sockets open behind it.
 *
 * Keyed by everything that configures a client (URL, TLS setting, username and a hash of the
 * password), so changed credentials get a new client; entries are dropped after `ttlMs`, and
 * the oldest goes when more than `capacity` are held.
 */
export class RegistryClientPool {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly capacity = 32,
    private readonly now: () => number = Date.now,
  ) {}

  get(options: Pick<RegistryClientOptions, 'url' | 'credentials' | 'insecure'>): RegistryClient {
    const key = keyOf(options);
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.createdAt < this.ttlMs) return entry.client;
    this.entries.delete(key);
    const client = new RegistryClient({
      url: options.url,
      ...(options.insecure !== undefined && { insecure: options.insecure }),
      ...(options.credentials && { credentials: options.credentials }),
    });
    this.entries.set(key, { client, createdAt: this.now() });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return client;
  }
}

function keyOf(options: Pick<RegistryClientOptions, 'url' | 'credentials' | 'insecure'>): string {
  const password = options.credentials
    ? createHash('sha256').update(options.credentials.password).digest('base64url')
    : '';
  return JSON.stringify([
    options.url,
    options.insecure ?? false,
    options.credentials?.username ?? null,
    password,
  ]);
}
