import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createStorageDriver } from './driver-from-url.js';
import { FilesystemDriver } from './filesystem-driver.js';
import { InMemoryDriver } from './memory-driver.js';

describe('createStorageDriver', () => {
  let sandbox: string;
  beforeEach(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'berth-storage-url-'));
  });
  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  it('roots a filesystem driver at a file:/// URL, creating the directory', async () => {
    const root = join(sandbox, 'data dir');
    const driver = createStorageDriver(pathToFileURL(root).href);
    expect(driver).toBeInstanceOf(FilesystemDriver);
    expect((driver as FilesystemDriver).rootDir).toBe(root);
    expect((await stat(root)).isDirectory()).toBe(true);
  });

  it('gives a fresh in-memory driver for memory://', async () => {
    const first = createStorageDriver('memory://');
    const second = createStorageDriver('memory://');
    expect(first).toBeInstanceOf(InMemoryDriver);
    await first.putContent('/object', Buffer.from('x'));
    expect(await second.list('/')).toEqual([]);
  });

  it('says s3 is not available yet', () => {
    expect(() => createStorageDriver('s3://bucket/prefix')).toThrow('s3 storage is not available yet');
  });

  it.each([
    ['gs://bucket', /unsupported storage URL scheme "gs:"/],
    ['http://example.com/storage', /unsupported storage URL scheme "http:"/],
    ['/var/lib/berth', /invalid storage URL/],
    ['', /invalid storage URL/],
    ['file:relative/dir', /file:\/\/\/absolute\/path/],
    ['file://server/share', /file:\/\/\/absolute\/path/],
    ['file:///data?mode=x', /file:\/\/\/absolute\/path/],
    ['memory://named', /memory storage takes no location/],
  ])('refuses %s with a message saying what to write', (url, message) => {
    expect(() => createStorageDriver(url)).toThrow(message);
  });
});
