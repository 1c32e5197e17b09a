// The client against CNCF Distribution 2.8 (`docker-registry`) with htpasswd Basic auth: no token
// service, no referrers API (the tag schema is used instead), no tags pagination.
import { describe, it } from '@jest/globals';
import { RegistryClient } from '../src/index.js';
import { describeClientSuite } from './client-suite.js';
import { startDistribution, type DistributionRegistry } from './distribution.js';
import { expectReferrers } from './referrers.js';

let registry: DistributionRegistry | undefined;

describeClientSuite('distribution', async () => {
  registry = await startDistribution();
  const current = registry;
  return {
    url: current.url,
    credentials: current.credentials,
    repository: (name) => `client/${name}`,
    pagesTags: false,
    close: () => current.stop(),
  };
});

describe('distribution: referrers', () => {
  it('falls back to the referrers tag schema, maintained by putManifest', async () => {
    const client = new RegistryClient({ url: registry!.url, credentials: registry!.credentials });
    await expectReferrers(client, 'client/referred', 'distribution-referrers');
  });
});
