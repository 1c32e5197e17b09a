import { describe, expect, it } from '@jest/globals';
import { matchV2Route } from './v2-routes.js';

describe('matchV2Route', () => {
  it.each([
    ['/v2/', { kind: 'base' }],
    ['/v2', { kind: 'base' }],
    ['/v2/_catalog', { kind: 'catalog' }],
    ['/v2/team/app/tags/list', { kind: 'tags', name: 'team/app' }],
    ['/v2/a/manifests/latest', { kind: 'manifest', name: 'a', reference: 'latest' }],
    ['/v2/a/b/c/manifests/sha256:ab', { kind: 'manifest', name: 'a/b/c', reference: 'sha256:ab' }],
    ['/v2/a/blobs/uploads/', { kind: 'uploads', name: 'a' }],
    ['/v2/a/blobs/uploads', { kind: 'uploads', name: 'a' }],
    ['/v2/a/blobs/uploads/123-abc', { kind: 'upload', name: 'a', id: '123-abc' }],
    ['/v2/a/blobs/sha256:ab', { kind: 'blob', name: 'a', digest: 'sha256:ab' }],
    ['/v2/a/referrers/sha256:ab', { kind: 'referrers', name: 'a', digest: 'sha256:ab' }],
  ])('routes %s', (path, route) => {
    expect(matchV2Route(path)).toEqual(route);
  });

  it('takes route keywords inside a name as part of the name', () => {
    expect(matchV2Route('/v2/x/blobs/uploads/blobs/uploads/')).toEqual({
      kind: 'uploads',
      name: 'x/blobs/uploads',
    });
    expect(matchV2Route('/v2/manifests/manifests/v1')).toEqual({
      kind: 'manifest',
      name: 'manifests',
      reference: 'v1',
    });
    expect(matchV2Route('/v2/p/tags/list/manifests/t')).toEqual({
      kind: 'manifest',
      name: 'p/tags/list',
      reference: 't',
    });
  });

  it.each(['/v2/a', '/v2/a/blobs/', '/v2/a/manifests/', '/v3/a/tags/list', '/v2/a/tags/list/extra'])(
    'knows no route for %s',
    (path) => {
      expect(matchV2Route(path)).toBeUndefined();
    },
  );
});
