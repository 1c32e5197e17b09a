import { describe, expect, it } from '@jest/globals';
import type {
  ReplicationEventWork,
  ReplicationExecutionRecords,
  ReplicationPolicyRecord,
  ReplicationPolicyRecords,
} from '@berth/db';
import { RegistryEvents } from '@berth/registry';
import { ReplicationEventTrigger } from './replication-event.trigger.js';
import type { ReplicationJobs } from './replication-jobs.js';

const INDEX = `sha256:${'1'.repeat(64)}`;
const CHILD = `sha256:${'2'.repeat(64)}`;

function eventPolicy(id: string, overrides: Partial<ReplicationPolicyRecord> = {}): ReplicationPolicyRecord {
  return {
    id,
    name: `p${id}`,
    mode: 'push',
    registryId: '1',
    sourceNamespace: null,
    destinationNamespace: null,
    flattening: 1,
    filters: { repository: 'src/**', tag: null },
    trigger: { type: 'event', cron: null, replicateDeletion: false },
    override: true,
    enabled: true,
    bandwidthLimitKbps: null,
    concurrency: 4,
    retry: { attempts: 3, backoffSeconds: 1 },
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

/** The trigger over fake stores, a fake clock and the real event bus. */
function setUp(initial: ReplicationPolicyRecord[], options: { failCreate?: boolean } = {}) {
  let now = 0;
  const stored = { policies: initial };
  const reads: number[] = [];
  const created: {
    policyId: string;
    trigger: string;
    requestedBy: string | null;
    work?: ReplicationEventWork;
  }[] = [];
  const enqueued: string[] = [];
  const policies = {
    enabledWithTrigger: (type: string) => {
      reads.push(now);
      return Promise.resolve(stored.policies.filter((p) => p.enabled && p.trigger.type === type));
    },
  } as unknown as ReplicationPolicyRecords;
  const executions = {
    create: (policyId: string, trigger: string, requestedBy: string | null, work?: ReplicationEventWork) => {
      if (options.failCreate) return Promise.reject(new Error('database is away'));
      created.push({ policyId, trigger, requestedBy, ...(work && { work }) });
      return Promise.resolve({ id: String(created.length) });
    },
  } as unknown as ReplicationExecutionRecords;
  // Redis away: the enqueue answers false, and the execution stays pending for the reconciler.
  const jobs = {
    enqueueExecution: (id: string) => {
      enqueued.push(id);
      return Promise.resolve(false);
    },
  } as unknown as ReplicationJobs;
  const events = new RegistryEvents((error) => {
    throw error;
  });
  const trigger = new ReplicationEventTrigger(events, policies, executions, jobs, 5_000, () => now);
  trigger.onModuleInit();
  return {
    trigger,
    events,
    stored,
    reads,
    created,
    enqueued,
    advance: (ms: number) => (now += ms),
    /** Lets the listener's work (all on promises of the fakes) run to its end. */
    settle: () => new Promise((resolve) => setImmediate(resolve)),
  };
}

const push = (repository: string, digest: string, tags: string[]) =>
  ({ kind: 'manifest.pushed', actor: 'alice', repository, digest, mediaType: 'x', tags }) as const;

describe('ReplicationEventTrigger', () => {
  it('starts one execution for a multi-arch push: the untagged children start nothing', async () => {
    const t = setUp([eventPolicy('7')]);
    t.events.emit(push('src/app', CHILD, []));
    t.events.emit(push('src/app', `sha256:${'3'.repeat(64)}`, []));
    t.events.emit(push('src/app', INDEX, ['v1']));
    await t.settle();
    expect(t.created).toEqual([
      {
        policyId: '7',
        trigger: 'event',
        requestedBy: 'alice',
        work: { operation: 'copy', artifact: { repository: 'src/app', digest: INDEX, tags: ['v1'] } },
      },
    ]);
    expect(t.enqueued).toEqual(['1']);
  });

  it('asks the database once per TTL while no event policy exists, not once per push', async () => {
    const t = setUp([]);
    for (let i = 0; i < 50; i++) t.events.emit(push('src/app', INDEX, [`v${i}`]));
    await t.settle();
    expect(t.reads).toHaveLength(1);
    t.advance(4_000);
    t.events.emit(push('src/app', INDEX, ['late']));
    expect(t.reads).toHaveLength(1);
    t.advance(2_000);
    t.events.emit(push('src/app', INDEX, ['later']));
    await t.settle();
    expect(t.reads).toHaveLength(2);
    expect(t.created).toEqual([]);
  });

  it('sees a policy created in this process at once (invalidate), without waiting for the TTL', async () => {
    const t = setUp([]);
    t.events.emit(push('src/app', INDEX, ['v1']));
    await t.settle();
    t.stored.policies = [eventPolicy('9')];
    t.trigger.invalidate();
    t.events.emit(push('src/app', INDEX, ['v2']));
    await t.settle();
    expect(t.created.map((c) => c.work?.artifact.tags)).toEqual([['v2']]);
  });

  it('replicates deletions only for policies that ask for it, and ignores pulls', async () => {
    const t = setUp([
      eventPolicy('1'),
      eventPolicy('2', { trigger: { type: 'event', cron: null, replicateDeletion: true } }),
    ]);
    t.events.emit({ kind: 'tag.deleted', actor: 'bob', repository: 'src/app', tag: 'v1' });
    t.events.emit({
      kind: 'manifest.pulled',
      actor: 'bob',
      repository: 'src/app',
      digest: INDEX,
      reference: 'v1',
    });
    await t.settle();
    expect(t.created).toEqual([
      {
        policyId: '2',
        trigger: 'event',
        requestedBy: 'bob',
        work: { operation: 'delete', artifact: { repository: 'src/app', digest: null, tags: ['v1'] } },
      },
    ]);
  });

  it('never throws into the push when the database fails', async () => {
    const t = setUp([eventPolicy('1')], { failCreate: true });
    expect(() => t.events.emit(push('src/app', INDEX, ['v1']))).not.toThrow();
    await t.settle();
    expect(t.enqueued).toEqual([]);
  });
});
