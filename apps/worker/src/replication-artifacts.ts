import type { RegistryClient } from '@berth/client';
import type {
  NewReplicationTask,
  ReplicationExecutionRecord,
  ReplicationPolicyRecord,
  RepositoryRecords,
} from '@berth/db';
import { destinationName, inNamespace, matchesFilters } from '@berth/registry';

/**
 * The tasks of an execution: one per artifact the policy selects. Manual and scheduled
 * executions list everything (push: local tags from PostgreSQL; pull: the remote's catalog and
 * tags); an event-triggered one replicates only the artifact of its event.
 */
export class ReplicationArtifacts {
  constructor(
    private readonly repositories: RepositoryRecords,
    /** The remote registry's client, for pull policies. */
    private readonly remote: (policy: ReplicationPolicyRecord) => Promise<RegistryClient>,
  ) {}

  async tasksOf(
    policy: ReplicationPolicyRecord,
    execution: ReplicationExecutionRecord,
  ): Promise<NewReplicationTask[]> {
    if (execution.artifact) return eventTasks(policy, execution);
    const artifacts =
      policy.mode === 'push' ? await this.localArtifacts(policy) : await this.remoteArtifacts(policy);
    return artifacts.map(({ repository, tag }) => ({
      sourceRepository: repository,
      sourceReference: tag,
      destinationRepository: destinationName(repository, policy.destinationNamespace, policy.flattening),
      destinationReference: tag,
    }));
  }

  private async localArtifacts(policy: ReplicationPolicyRecord): Promise<Artifact[]> {
    const artifacts: Artifact[] = [];
    for (const { repository, tags } of await this.repositories.tagged()) {
      if (!inNamespace(repository, policy.sourceNamespace)) continue;
      for (const tag of tags) {
        if (matchesFilters(repository, tag, policy.filters)) artifacts.push({ repository, tag });
      }
    }
    return artifacts;
  }

  private async remoteArtifacts(policy: ReplicationPolicyRecord): Promise<Artifact[]> {
    const remote = await this.remote(policy);
    const artifacts: Artifact[] = [];
    for await (const repository of remote.catalog()) {
      if (!inNamespace(repository, policy.sourceNamespace)) continue;
      // A repository filter that cannot match spares listing its tags.
      if (!matchesFilters(repository, '', { repository: policy.filters.repository, tag: null })) continue;
      for await (const tag of remote.listTags(repository)) {
        if (matchesFilters(repository, tag, policy.filters)) artifacts.push({ repository, tag });
      }
    }
    return artifacts;
  }
}

interface Artifact {
  repository: string;
  tag: string;
}

/**
 * The event's artifact, filtered again (the policy may have changed since the event): a copy
 * per pushed tag, or the deletion of the deleted tag or manifest.
 */
export function eventTasks(
  policy: ReplicationPolicyRecord,
  execution: ReplicationExecutionRecord,
): NewReplicationTask[] {
  const artifact = execution.artifact;
  if (!artifact || !inNamespace(artifact.repository, policy.sourceNamespace)) return [];
  const destinationRepository = destinationName(
    artifact.repository,
    policy.destinationNamespace,
    policy.flattening,
  );
  const task = (reference: string): NewReplicationTask => ({
    operation: execution.operation,
    sourceRepository: artifact.repository,
    sourceReference: reference,
    destinationRepository,
    destinationReference: reference,
  });
  const tags = artifact.tags.filter((tag) => matchesFilters(artifact.repository, tag, policy.filters));
  if (tags.length > 0) return tags.map(task);
  // A manifest deleted by digest: its tags are gone, only the repository filter applies.
  const byDigest =
    execution.operation === 'delete' &&
    artifact.tags.length === 0 &&
    artifact.digest !== null &&
    matchesFilters(artifact.repository, '', { repository: policy.filters.repository, tag: null });
  return byDigest ? [task(artifact.digest!)] : [];
}
