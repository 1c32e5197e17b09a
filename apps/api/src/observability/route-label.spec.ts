import { describe, expect, it } from '@jest/globals';
import { matchV2Route } from '../v2/v2-routes.js';
import { v2RouteLabel } from './route-label.js';

const digest = 'sha256:' + 'a'.repeat(64);

describe('v2RouteLabel', () => {
  it.each([
    ['/v2', 'base'],
    ['/v2/', 'base'],
    ['/v2/_catalog', 'catalog'],
    ['/v2/demo/app/tags/list', 'tags'],
    ['/v2/demo/app/manifests/latest', 'manifest'],
    [`/v2/demo/a/b/manifests/${digest}`, 'manifest'],
    [`/v2/demo/app/blobs/${digest}`, 'blob'],
    ['/v2/demo/app/blobs/uploads/', 'upload'],
    ['/v2/demo/app/blobs/uploads', 'upload'],
    ['/v2/demo/app/blobs/uploads/0f0c6c9e-3b8d-4a57-9d2b-3c2f0b6e1c11', 'upload'],
    [`/v2/demo/app/referrers/${digest}`, 'referrers'],
    ['/v2/demo/blobs/manifests/x', 'manifest'],
    ['/v2/demo/app/nothing/here', 'unmatched'],
    ['/v2/manifests/latest', 'unmatched'],
    ['/v2/demo/app/tags/other', 'unmatched'],
  ])('labels %s as %s', (path, label) => {
    expect(v2RouteLabel(path)).toBe(label);
  });

  it('agrees with the route table', () => {
    const paths = [
      '/v2/',
      '/v2/_catalog',
      '/v2/p/r/tags/list',
      '/v2/p/r/manifests/1.0',
      `/v2/p/r/blobs/${digest}`,
      '/v2/p/r/blobs/uploads/',
      '/v2/p/r/blobs/uploads/abc',
      `/v2/p/r/referrers/${digest}`,
      '/v2/p/blobs/uploads/blobs/x',
      '/v2/x/y',
    ];
    for (const path of paths) {
      const kind = matchV2Route(path)?.kind;
      const expected = kind === undefined ? 'unmatched' : kind === 'uploads' ? 'upload' : kind;
      expect([path, v2RouteLabel(path)]).toEqual([path, expected]);
    }
  });
});
