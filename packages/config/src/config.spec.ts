import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

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
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
