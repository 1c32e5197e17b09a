import type { ReplicationFlattening } from '@berth/db';

/**
 * Replication naming, without I/O: glob filters on repository names and tags, and the
 * destination name of a replicated repository (see PRODUCT.md, "Replication").
 */

export interface ReplicationFilters {
  /** Glob on the full repository name, project included (`src/app`, `src/**`); `null`: any. */
  repository: string | null;
  /** Glob on the tag; `null`: any. */
  tag: string | null;
}

/**
 * A glob as an anchored regular expression: `*` any run of characters but `/`, `**` any run
 * including `/`, `?` one character but `/`, `{a,b}` alternatives (nestable, globs inside).
 * Every other character is literal. Throws on an unbalanced brace.
 */
export function globToRegExp(glob: string): RegExp {
  let index = 0;
  function parse(inBraces: boolean): string {
    let out = '';
    while (index < glob.length) {
      const char = glob[index]!;
      if (char === '*') {
        if (glob[index + 1] === '*') {
          index += 2;
          // `**/` also matches nothing, so `src/**/app` matches `src/app`.
          if (glob[index] === '/') {
            index += 1;
            out += '(?:.*/)?';
          } else {
            out += '.*';
          }
        } else {
          index += 1;
          out += '[^/]*';
        }
      } else if (char === '?') {
        index += 1;
        out += '[^/]';
      } else if (char === '{') {
        index += 1;
        const alternatives = [parse(true)];
        while (glob[index] === ',') {
          index += 1;
          alternatives.push(parse(true));
        }
        if (glob[index] !== '}') throw new Error(`unbalanced brace in glob ${JSON.stringify(glob)}`);
        index += 1;
        out += `(?:${alternatives.join('|')})`;
      } else if (inBraces && (char === ',' || char === '}')) {
        return out;
      } else {
        index += 1;
        out += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      }
    }
    if (inBraces) throw new Error(`unbalanced brace in glob ${JSON.stringify(glob)}`);
    return out;
  }
  const source = parse(false);
  return new RegExp(`^${source}$`, 'u');
}

/** Whether `repository:tag` passes both filters (a `null` or empty filter passes everything). */
export function matchesFilters(repository: string, tag: string, filters: ReplicationFilters): boolean {
  return matches(filters.repository, repository) && matches(filters.tag, tag);
}

function matches(glob: string | null, value: string): boolean {
  return glob === null || glob === '' || globToRegExp(glob).test(value);
}

/**
 * The destination repository. With a `destinationNamespace`, `flattening` says how many leading
 * path segments of the source name it replaces (Harbor's `dest_namespace_replace_count`), for
 * `src/a/b` into `mirror`: `"none"` → `mirror/src/a/b`, `1` (the default, as before the setting
 * existed) → `mirror/a/b`, `2` → `mirror/b`, `"all"` → `mirror/b` (only the last segment stays).
 * The last segment is never removed: a name with too few segments keeps just its last one
 * (`src/app` at `2` → `mirror/app`, a one-segment `app` at `1` → `mirror/app`). Without a
 * namespace (or empty) the name is kept whatever the flattening.
 */
export function destinationName(
  name: string,
  destinationNamespace?: string | null,
  flattening: ReplicationFlattening = 1,
): string {
  if (destinationNamespace === undefined || destinationNamespace === null || destinationNamespace === '') {
    return name;
  }
  const segments = name.split('/');
  const wanted = flattening === 'none' ? 0 : flattening === 'all' ? segments.length : flattening;
  const dropped = Math.min(wanted, segments.length - 1);
  return [destinationNamespace, ...segments.slice(dropped)].join('/');
}

/** Whether `name` lies in namespace `namespace` (its first path segment); `null` or empty: any. */
export function inNamespace(name: string, namespace?: string | null): boolean {
  return (
    namespace === undefined || namespace === null || namespace === '' || name.startsWith(`${namespace}/`)
  );
}
