// The client against a real Berth (api + token service): Bearer tokens from the token service,
// the referrers API, tags pages.
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import { RegistryClient } from '../src/index.js';
import { describeClientSuite } from './client-suite.js';
import { expectReferrers } from './referrers.js';

let registry: RegistryUnderTest | undefined;
const project = `client-${randomBytes(3).toString('hex')}`;

describeClientSuite('berth', async () => {
  registry = await startRegistryUnderTest();
  await registry.createProject(project);
  const current = registry;
  return {
    url: current.url,
    credentials: current.credentials!,
    repository: (name) => `${project}/${name}`,
    pagesTags: true,
    close: () => current.close(),
  };
});

describe('berth: referrers', () => {
  it('lists referrers through the referrers API, filtered by artifactType', async () => {
    const client = new RegistryClient({ url: registry!.url, credentials: registry!.credentials! });
    await expectReferrers(client, `${project}/referred`, `berth-referrers-${project}`);
  });
});

describe('berth: token flow', () => {
  it('answers the Bearer challenge once per scope and reuses cached tokens', async () => {
    const tokenRequests: string[] = [];
    const counting: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : input.toString();
      if (url.includes('/service/token'))
        tokenRequests.push(new URL(url).searchParams.getAll('scope').join(' '));
      return fetch(input, init);
    };
    const client = new RegistryClient({
      url: registry!.url,
      credentials: registry!.credentials!,
      fetch: counting,
    });
    const repository = `${project}/cached`;
    for (let i = 0; i < 3; i += 1) expect(await client.headManifest(repository, 'latest')).toBeUndefined();
    expect(tokenRequests).toEqual([`repository:${repository}:pull`]);
  });
});
