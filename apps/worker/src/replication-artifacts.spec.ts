import { describe, expect, it } from '@jest/globals';
import type { RegistryClient } from '@berth/client';
import type {
  ReplicationExecutionRecord,
  ReplicationFlattening,
  ReplicationPolicyRecord,
  RepositoryRecords,
} from '@berth/db';
import { ReplicationArtifacts } from './replication-artifacts.js';

function policy(mode: 'push' | 'pull', flattening: ReplicationFlattening): ReplicationPolicyRecord {
  return {
    id: '1',
    name: 'p',
    mode,
    registryId: '1',
    sourceNamespace: null,
    destinationNamespace: 'mirror',
    flattening,
    filters: { repository: null, tag: null },
    trigger: { type: 'manual', cron: null, replicateDeletion: false },
    override: true,
    enabled: true,
    bandwidthLimitKbps: null,
    concurrency: 4,
    retry: { attempts: 3, backoffSeconds: 1 },
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

function execution(artifact: ReplicationExecutionRecord['artifact'] = null): ReplicationExecutionRecord {
  return { id: '1', policyId: '1', operation: 'copy', artifact } as ReplicationExecutionRecord;
}

/** The same two repositories locally (push) and at the remote (pull). */
const local = {
  tagged: () =>
    Promise.resolve([
      { repository: 'src/a/b', tags: ['v1'] },
      { repository: 'src/app', tags: ['v1'] },
    ]),
};
// `for await` takes plain arrays as well as the client's async iterables.
const remote = { catalog: () => ['src/a/b', 'src/app'], listTags: () => ['v1'] };
const artifacts = new ReplicationArtifacts(local as unknown as RepositoryRecords, () =>
  Promise.resolve(remote as unknown as RegistryClient),
);

describe('ReplicationArtifacts destination names', () => {
  const cases: [ReplicationFlattening, string[]][] = [
    ['none', ['mirror/src/a/b', 'mirror/src/app']],
    [1, ['mirror/a/b', 'mirror/app']],
    [2, ['mirror/b', 'mirror/app']],
    ['all', ['mirror/b', 'mirror/app']],
  ];

  for (const mode of ['push', 'pull'] as const) {
    it.each(cases)(`${mode}: flattening %p names %p`, async (flattening, expected) => {
      const tasks = await artifacts.tasksOf(policy(mode, flattening), execution());
      expect(tasks.map((task) => task.destinationRepository)).toEqual(expected);
      expect(tasks.map((task) => task.sourceRepository)).toEqual(['src/a/b', 'src/app']);
    });
  }

  it('flattens an event-triggered execution’s artifact too', async () => {
    const event = execution({ repository: 'src/a/b', digest: null, tags: ['v1'] });
    const tasks = await artifacts.tasksOf(policy('push', 'none'), event);
    expect(tasks).toEqual([expect.objectContaining({ destinationRepository: 'mirror/src/a/b' })]);
  });
});
