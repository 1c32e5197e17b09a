import { Logger } from '@nestjs/common';
import { copyImage, RegistryClient, withRetry } from '@berth/client';
import type {
  RegistryRecords,
  ReplicationExecutionRecords,
  ReplicationPolicyRecord,
  ReplicationPolicyRecords,
  ReplicationTaskRecord,
  RepositoryRecords,
} from '@berth/db';
import { JOBS, type JobContext, type JobPayloads, type JobQueue } from '@berth/jobs';
import { destinationName, inNamespace, matchesFilters } from '@berth/registry';
import { messageOf } from './job-runner.js';
import type { ReplicationRobot } from './replication-robot.js';

export interface ReplicationProcessorOptions {
  /** Berth's own public URL: the local side of every copy goes through the registry API. */
  publicUrl: string;
  /** How often a running task stamps its heartbeat. */
  heartbeatMs: number;
  /** Delay before the second try of a failed copy (doubling after). Default 1000. */
  retryBaseDelayMs?: number;
}

interface Artifact {
  repository: string;
  tag: string;
}

/**
 * `replication.execute` resolves an execution's artifacts (push: local tags from PostgreSQL;
 * pull: the remote's catalog and tags), filtered by the policy, into tasks, and enqueues one
 * `replication.task` each. `replication.task` copies one artifact with `copyImage` (referrers
 * included, existing blobs skipped), retrying with backoff up to the policy's `maxAttempts`,
 * and the last task to end finishes the execution.
 */
export class ReplicationProcessor {
  private readonly logger = new Logger('replication');

  constructor(
    private readonly registries: RegistryRecords,
    private readonly policies: ReplicationPolicyRecords,
    private readonly executions: ReplicationExecutionRecords,
    private readonly repositories: RepositoryRecords,
    private readonly robot: ReplicationRobot,
    private readonly queue: () => JobQueue | undefined,
    private readonly options: ReplicationProcessorOptions,
  ) {}

  async execute({ executionId }: JobPayloads['replication.execute']): Promise<void> {
    const execution = await this.executions.claim(executionId);
    if (!execution) {
      this.logger.debug({ message: 'replication execution not pending; nothing to do', executionId });
      return;
    }
    let taskIds: string[];
    try {
      const policy = await this.policies.get(execution.policyId);
      if (!policy) throw new Error(`policy ${execution.policyId} no longer exists`);
      const artifacts =
        policy.mode === 'push' ? await this.localArtifacts(policy) : await this.remoteArtifacts(policy);
      taskIds = await this.executions.resolve(
        executionId,
        artifacts.map(({ repository, tag }) => ({
          sourceRepository: repository,
          sourceReference: tag,
          destinationRepository: destinationName(repository, policy.destinationNamespace),
          destinationReference: tag,
        })),
      );
      this.logger.log({ message: 'replication execution resolved', executionId, tasks: artifacts.length });
    } catch (error) {
      const message = `resolving the artifacts failed: ${messageOf(error)}`;
      await this.executions.fail(executionId, message);
      this.logger.error({ message: 'replication execution failed', executionId, error: message });
      return;
    }
    await this.executions.finishIfDone(executionId);
    const queue = this.queue();
    if (!queue) return; // the reconciler enqueues pending tasks once Redis is back
    for (const taskId of taskIds) {
      try {
        await queue.enqueue(JOBS.replicationTask, { taskId });
      } catch (error) {
        this.logger.warn({
          message: 'task not enqueued; the reconciler retries',
          taskId,
          error: messageOf(error),
        });
      }
    }
  }

  async task({ taskId }: JobPayloads['replication.task'], context: JobContext): Promise<void> {
    const task = await this.executions.claimTask(taskId);
    if (!task) {
      this.logger.debug({ message: 'replication task not pending; nothing to do', taskId });
      return;
    }
    const heartbeat = setInterval(
      () => void this.executions.heartbeatTask(taskId).catch(() => undefined),
      this.options.heartbeatMs,
    );
    const log: string[] = [];
    try {
      const result = await this.copy(task, log, context.signal);
      if (!result) return; // shutting down: left running, the reconciler re-queues it
      await this.executions.finishTask(taskId, { ...result, log: log.join('') });
    } finally {
      clearInterval(heartbeat);
      await this.executions.finishIfDone(task.executionId);
    }
  }

  private async copy(
    task: ReplicationTaskRecord,
    log: string[],
    signal: AbortSignal,
  ): Promise<{ status: 'succeeded' | 'failed' | 'skipped'; digest?: string; error?: string } | undefined> {
    const { sourceRepository: srcRepo, sourceReference: tag } = task;
    const { destinationRepository: dstRepo, destinationReference: dstTag } = task;
    const what = `${srcRepo}:${tag} -> ${dstRepo}:${dstTag}`;
    try {
      const execution = await this.executions.get(task.executionId);
      const policy = execution && (await this.policies.get(execution.policyId));
      if (!policy) throw new Error('the policy of this execution no longer exists');
      const { src, dst } = await this.clients(policy);
      if (!policy.override) {
        const existing = await dst.headManifest(dstRepo, dstTag);
        if (existing) {
          log.push(`${what}: destination tag exists (${existing.digest}); override is off, skipped\n`);
          return { status: 'skipped', digest: existing.digest };
        }
      }
      const result = await withRetry(
        (attempt) => {
          log.push(`${what}: attempt ${attempt}\n`);
          return copyImage(src, srcRepo, tag, dst, dstRepo, {
            tags: [dstTag],
            includeReferrers: true,
            skipExisting: true,
          });
        },
        {
          policy: { attempts: policy.maxAttempts, baseDelayMs: this.options.retryBaseDelayMs ?? 1000 },
          signal,
          onRetry: (error, attempt, delayMs) => {
            log.push(`${what}: attempt ${attempt} failed (${messageOf(error)}); retrying in ${delayMs} ms\n`);
          },
        },
      );
      log.push(
        `${what}: copied ${result.digest} (manifests ${result.manifestsCopied} copied, ${result.manifestsSkipped} present; ` +
          `blobs ${result.blobsCopied} copied, ${result.blobsSkipped} present, ${result.blobsMounted} mounted; ${result.bytes} bytes)\n`,
      );
      this.logger.log({
        message: 'replication task succeeded',
        taskId: task.id,
        artifact: what,
        digest: result.digest,
      });
      return { status: 'succeeded', digest: result.digest };
    } catch (error) {
      if (signal.aborted) return undefined;
      const message = `copying ${what} failed: ${messageOf(error)}`;
      log.push(`${message}\n`);
      this.logger.error({ message: 'replication task failed', taskId: task.id, error: message });
      return { status: 'failed', error: message };
    }
  }

  /** Source and destination clients: the local side is Berth itself, as the replication robot. */
  private async clients(
    policy: ReplicationPolicyRecord,
  ): Promise<{ src: RegistryClient; dst: RegistryClient }> {
    const local = new RegistryClient({ url: this.options.publicUrl, credentials: await this.robot.get() });
    const remote = await this.remote(policy);
    return policy.mode === 'push' ? { src: local, dst: remote } : { src: remote, dst: local };
  }

  private async remote(policy: ReplicationPolicyRecord): Promise<RegistryClient> {
    const registry = await this.registries.get(policy.registryId);
    if (!registry) throw new Error(`registry ${policy.registryId} no longer exists`);
    const credentials = await this.registries.credentials(registry.id);
    return new RegistryClient({
      url: registry.url,
      insecure: registry.insecure,
      ...(credentials && { credentials }),
    });
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

/**
 * The replication part of a reconcile pass: tasks whose worker died go back to `pending` (or
 * fail after `maxClaims` claims), executions stuck resolving go back to `pending`, and pending
 * work gets its job again (the contract's job ids make a job already queued a no-op).
 */
export class ReplicationRecovery {
  private readonly logger = new Logger('replication');

  constructor(
    private readonly executions: ReplicationExecutionRecords,
    private readonly queue: () => JobQueue | undefined,
    private readonly staleSeconds: number,
    private readonly maxClaims = 3,
  ) {}

  async pass(): Promise<void> {
    const reaped = await this.executions.reapStale(this.staleSeconds, this.maxClaims);
    for (const task of reaped.tasks) {
      this.logger.warn({ message: 'replication task lost its worker; it will run again', taskId: task.id });
    }
    for (const execution of reaped.executions) {
      this.logger.warn({
        message: 'replication execution lost its worker; it will resume',
        executionId: execution.id,
      });
    }
    const queue = this.queue();
    if (!queue) return;
    const pending = await this.executions.pendingWork();
    for (const execution of pending.executions) {
      await queue.enqueue(JOBS.replicationExecute, { executionId: execution.id }, execution.attempts);
    }
    for (const task of pending.tasks) {
      await queue.enqueue(JOBS.replicationTask, { taskId: task.id }, task.attempts);
    }
  }
}
