/** The `route` label of a /v2 request: its kind in the route table, never a name or digest. */
export type V2RouteLabel =
  'base' | 'catalog' | 'tags' | 'manifest' | 'blob' | 'upload' | 'referrers' | 'unmatched';

/**
 * The kind of a /v2 path (up to `pathEnd`, e.g. where its query string starts), as `matchV2Route` would find it but without
 * regular expressions or allocations beyond the path's own: metrics label every request, and the
 * label must stay low-cardinality (a repository name never becomes one).
 */
export function v2RouteLabel(path: string, pathEnd = path.length): V2RouteLabel {
  let end = pathEnd;
  if (end > 3 && path.charCodeAt(end - 1) === 47 /* / */) end -= 1;
  if (end === 3) return 'base';
  if (end === 12 && path.startsWith('/v2/_catalog')) return 'catalog';
  const last = path.lastIndexOf('/', end - 1);
  const previous = path.lastIndexOf('/', last - 1);
  // Every named route is /v2/<name>/<parent>/<leaf>: the name has at least one character.
  if (previous < 4) return 'unmatched';
  const parent = (word: string) => last - previous - 1 === word.length && path.startsWith(word, previous + 1);
  const leafIs = (word: string) => end - last - 1 === word.length && path.startsWith(word, last + 1);
  if (last === end - 1) return 'unmatched';
  if (parent('manifests')) return 'manifest';
  if (parent('blobs')) return leafIs('uploads') ? 'upload' : 'blob';
  if (parent('uploads'))
    return path.startsWith('/blobs', previous - 6) && previous - 6 > 3 ? 'upload' : 'unmatched';
  if (parent('tags')) return leafIs('list') ? 'tags' : 'unmatched';
  if (parent('referrers')) return 'referrers';
  return 'unmatched';
}
