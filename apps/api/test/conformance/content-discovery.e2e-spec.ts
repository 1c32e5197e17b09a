// OCI Distribution Spec v1.1, "Content Discovery" → "Listing Tags" (end-8a, end-8b), and the
// repository catalog `/v2/_catalog` of the Docker Registry HTTP API V2 (apdx-1, "Listing
// Repositories" and "Pagination"), which the OCI spec reserves but no longer describes.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  bareMediaType,
  expectError,
  imageManifest,
  jsonBytes,
  MediaType,
  nextLink,
  OciClient,
  randomBytes,
  randomHex,
  randomRepo,
  withQuery,
  type Manifest,
} from './oci-client.js';
import { registryUnderTest } from './registry-under-test.js';

const registry = registryUnderTest({ projects: ['conformance'] });
const client = new OciClient(registry);
const repo = randomRepo('discovery');
const mixedCaseRepo = `${repo}/mixed-case`;
const catalogRoot = `conformance/catalog-${randomHex()}`;
const catalogRepos = [`${catalogRoot}/a`, `${catalogRoot}/b`, `${catalogRoot}/c`];

// Lowercase only: their order is the same under every reading of "lexical".
const TAGS = ['v2.0', 'alpha', 'v1.10', 'latest', 'beta-1', '0.9', 'v1.2', 'nightly', 'rc_1'];
const SORTED = [...TAGS].sort();
const MIXED = ['Zulu', 'alpha', 'Mike', 'bravo'];

async function pushTagged(name: string, tags: string[]): Promise<Manifest> {
  const config = await client.pushBlobDescriptor(
    name,
    MediaType.ociConfig,
    jsonBytes({ nonce: randomHex() }),
  );
  const layer = await client.pushBlobDescriptor(name, MediaType.ociLayer, randomBytes(256));
  const manifest = imageManifest({ config, layers: [layer] });
  for (const tag of tags) await client.pushManifest(name, manifest, tag);
  return manifest;
}

interface TagList {
  name: string;
  tags: string[];
}

async function listTags(
  name: string,
  query: Record<string, string> = {},
): Promise<{ response: Response; body: TagList }> {
  const response = await client.request('GET', withQuery(`/v2/${name}/tags/list`, query));
  expect(response.status).toBe(200);
  return { response, body: (await response.json()) as TagList };
}

beforeAll(async () => {
  await pushTagged(repo, TAGS);
  await pushTagged(mixedCaseRepo, MIXED);
  for (const name of catalogRepos) await pushTagged(name, ['latest']);
});

describe('Listing tags (end-8a)', () => {
  it('end-8a: GET /tags/list answers 200 with {name, tags} holding every tag in lexical order', async () => {
    const { response, body } = await listTags(repo);
    expect(bareMediaType(response.headers.get('content-type'))).toBe('application/json');
    expect(body.name).toBe(repo);
    expect(body.tags).toEqual(SORTED);
  });

  it('end-8a: tags differing in case come in lexical (case-insensitive) or ASCIIbetical order', async () => {
    const { body } = await listTags(mixedCaseRepo);
    const ascii = [...MIXED].sort();
    const caseless = [...MIXED].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    expect([JSON.stringify(ascii), JSON.stringify(caseless)]).toContain(JSON.stringify(body.tags));
  });

  it('end-8a: listing the tags of a repository that does not exist answers 404 NAME_UNKNOWN', async () => {
    const response = await client.request('GET', `/v2/${randomRepo('discovery-missing')}/tags/list`);
    await expectError(response, 404, 'NAME_UNKNOWN');
  });
});

describe('Paginating tags (end-8b)', () => {
  it('end-8b: ?n=3 answers the first 3 tags and a Link: <…>; rel="next" header', async () => {
    const { response, body } = await listTags(repo, { n: '3' });
    expect(body.tags).toEqual(SORTED.slice(0, 3));
    expect(response.headers.get('link')).toMatch(/^<[^>]+>;\s*rel="next"$/);
  });

  it('end-8b: following the Link headers walks the whole list once, in order', async () => {
    const seen: string[] = [];
    let path: string | undefined = withQuery(`/v2/${repo}/tags/list`, { n: '2' });
    for (let page = 0; path && page < 20; page++) {
      const response = await client.request('GET', path);
      expect(response.status).toBe(200);
      const body = (await response.json()) as TagList;
      expect(body.tags.length).toBeLessThanOrEqual(2);
      seen.push(...body.tags);
      path = nextLink(response.headers.get('link'));
    }
    expect(path).toBeUndefined();
    expect(seen).toEqual(SORTED);
  });

  it('end-8b: the Link of the last page is absent', async () => {
    const { response, body } = await listTags(repo, { n: '4', last: SORTED[SORTED.length - 5]! });
    expect(body.tags).toEqual(SORTED.slice(-4));
    expect(response.headers.get('link')).toBeNull();
  });

  it('end-8b: ?n= larger than the number of tags answers every tag and no Link', async () => {
    const { response, body } = await listTags(repo, { n: '1000' });
    expect([...body.tags].sort()).toEqual(SORTED); // the order has a test of its own (end-8a)
    expect(response.headers.get('link')).toBeNull();
  });

  it('end-8b: ?n=2&last=<tag> answers the 2 tags after <tag>, not including it', async () => {
    const { body } = await listTags(repo, { n: '2', last: SORTED[2]! });
    expect(body.tags).toEqual(SORTED.slice(3, 5));
  });

  it('end-8b: ?last=<tag> without n answers every tag after <tag>', async () => {
    const { body } = await listTags(repo, { last: SORTED[4]! });
    expect(body.tags).toEqual(SORTED.slice(5));
  });

  it('end-8b: ?last=<tag> for a tag that is not in the list starts after its lexical position', async () => {
    // 'beta-1' < 'c' < 'latest'
    const { body } = await listTags(repo, { n: '2', last: 'c' });
    expect(body.tags).toEqual(SORTED.filter((tag) => tag > 'c').slice(0, 2));
  });

  it('end-8b: ?n=0 answers an empty list and no Link header', async () => {
    const { response, body } = await listTags(repo, { n: '0' });
    expect(body.name).toBe(repo);
    expect(body.tags).toEqual([]);
    expect(response.headers.get('link')).toBeNull();
  });
});

describe('Catalog (apdx-1: Listing Repositories, Pagination)', () => {
  interface Catalog {
    repositories: string[];
  }

  async function catalog(query: Record<string, string> = {}): Promise<{ response: Response; body: Catalog }> {
    const response = await client.request('GET', withQuery('/v2/_catalog', query));
    expect(response.status).toBe(200);
    return { response, body: (await response.json()) as Catalog };
  }

  it('apdx-1 Listing Repositories: GET /v2/_catalog answers {repositories} holding the pushed repositories in lexical order', async () => {
    // Without `n` a registry MAY still paginate: follow the links until the set is complete.
    const all: string[] = [];
    let path: string | undefined = '/v2/_catalog';
    for (let page = 0; path && page < 1000; page++) {
      const response = await client.request('GET', path);
      expect(response.status).toBe(200);
      all.push(...((await response.json()) as Catalog).repositories);
      path = nextLink(response.headers.get('link'));
    }
    const ours = all.filter((name) => name.startsWith(`${catalogRoot}/`));
    expect(ours).toEqual(catalogRepos);
    expect(all).toContain(repo);
  });

  it('apdx-1 Pagination: ?n=1 answers exactly one repository and a Link: <…?n=1&last=…>; rel="next"', async () => {
    const { response, body } = await catalog({ n: '1' });
    expect(body.repositories).toHaveLength(1);
    const link = nextLink(response.headers.get('link'));
    expect(link).toBeDefined();
    const next = new URL(link!, `${registry.url}/`);
    expect(next.pathname).toBe('/v2/_catalog');
    expect(next.searchParams.get('n')).toBe('1');
    expect(next.searchParams.get('last')).toBe(body.repositories[0]);
  });

  it('apdx-1 Pagination: following the Link answers the next repository, after the previous one', async () => {
    const first = await catalog({ n: '1' });
    const link = nextLink(first.response.headers.get('link'));
    expect(link).toBeDefined();
    const response = await client.request('GET', link!);
    expect(response.status).toBe(200);
    const second = (await response.json()) as Catalog;
    expect(second.repositories).toHaveLength(1);
    expect(second.repositories[0]! > first.body.repositories[0]!).toBe(true);
  });

  it('apdx-1 Pagination: ?n=2&last=<repo> answers the 2 repositories after <repo>', async () => {
    const { body } = await catalog({ n: '2', last: catalogRepos[0]! });
    expect(body.repositories).toEqual(catalogRepos.slice(1));
  });
});
