/**
 * RFC 8288 `Link` headers, as registries use them to paginate tags, the catalog and referrers:
 * `</v2/a/tags/list?n=2&last=b>; rel="next"`. Several links may share one header, separated
 * by commas (which may also appear inside `<…>`).
 */
export interface Link {
  /** The target, resolved against the request URL (registries send paths or absolute URLs). */
  url: string;
  /** Lower-cased relation types (`rel="next prev"` gives two). */
  rel: string[];
}

/** Every link of a header, resolved against `base`. Malformed entries are skipped. */
export function parseLinks(header: string | null | undefined, base: string | URL): Link[] {
  if (!header) return [];
  const links: Link[] = [];
  // Targets sit inside <…>; a link's parameters run up to the next target.
  for (const match of header.matchAll(/<([^>]*)>([^<]*)/g)) {
    const target = match[1]!;
    const rel: string[] = [];
    for (const param of (match[2] ?? '').matchAll(/;\s*([^=;,\s]+)\s*(?:=\s*(?:"([^"]*)"|([^;,\s]*)))?/g)) {
      if (param[1]!.toLowerCase() !== 'rel') continue;
      const value = param[2] ?? param[3] ?? '';
      rel.push(...value.toLowerCase().split(/\s+/).filter(Boolean));
    }
    try {
      links.push({ url: new URL(target, base).toString(), rel });
    } catch {
      // An unresolvable target cannot be followed.
    }
  }
  return links;
}

/** The `rel="next"` target, or undefined on the last page. */
export function nextLink(header: string | null | undefined, base: string | URL): string | undefined {
  return parseLinks(header, base).find((link) => link.rel.includes('next'))?.url;
}
