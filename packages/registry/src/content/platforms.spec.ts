import { describe, expect, it } from '@jest/globals';
import { configPlatform, indexPlatforms } from './platforms.js';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('indexPlatforms', () => {
  it('lists the children’s platforms in order, with a variant when there is one', () => {
    const index = bytes({
      schemaVersion: 2,
      manifests: [
        { digest: 'sha256:a', platform: { os: 'linux', architecture: 'amd64' } },
        { digest: 'sha256:b', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        { digest: 'sha256:c', platform: { os: 'unknown', architecture: 'unknown' } },
        { digest: 'sha256:d' },
        { digest: 'sha256:e', platform: { os: 'linux', architecture: 5 } },
      ],
    });
    expect(indexPlatforms(index)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
  });

  it('answers nothing for bytes that are not an index', () => {
    expect(indexPlatforms(Buffer.from('not json'))).toEqual([]);
    expect(indexPlatforms(bytes([1, 2]))).toEqual([]);
    expect(indexPlatforms(bytes({ manifests: 'no' }))).toEqual([]);
  });
});

describe('configPlatform', () => {
  it('reads os, architecture and variant of an image config', () => {
    expect(configPlatform(bytes({ os: 'linux', architecture: 'arm64', variant: 'v8', rootfs: {} }))).toEqual({
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
    expect(configPlatform(bytes({ architecture: 'amd64' }))).toBeUndefined();
    expect(configPlatform(Buffer.from('{'))).toBeUndefined();
  });
});
