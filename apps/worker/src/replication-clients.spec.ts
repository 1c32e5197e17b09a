import { describe, expect, it } from '@jest/globals';
import { RegistryClientPool } from './replication-clients.js';

const remote = { url: 'https://registry.example.com', credentials: { username: 'u', password: 'p' } };

describe('RegistryClientPool', () => {
  it('hands out one client per registry and credentials', () => {
    const pool = new RegistryClientPool();
    const client = pool.get(remote);
    expect(pool.get({ ...remote })).toBe(client);
    expect(pool.get({ ...remote, credentials: { username: 'u', password: 'changed' } })).not.toBe(client);
    expect(pool.get({ ...remote, credentials: { username: 'v', password: 'p' } })).not.toBe(client);
    expect(pool.get({ ...remote, insecure: true })).not.toBe(client);
    expect(pool.get({ url: remote.url })).not.toBe(client);
  });

  it('replaces a client after its time to live', () => {
    let now = 0;
    const pool = new RegistryClientPool(1000, 8, () => now);
    const client = pool.get(remote);
    now = 999;
    expect(pool.get(remote)).toBe(client);
    now = 1000;
    expect(pool.get(remote)).not.toBe(client);
  });

  it('holds at most its capacity, dropping the oldest', () => {
    const pool = new RegistryClientPool(60_000, 2);
    const first = pool.get({ url: 'https://a.example.com' });
    const second = pool.get({ url: 'https://b.example.com' });
    pool.get({ url: 'https://c.example.com' });
    expect(pool.get({ url: 'https://b.example.com' })).toBe(second);
    expect(pool.get({ url: 'https://a.example.com' })).not.toBe(first);
  });
});
