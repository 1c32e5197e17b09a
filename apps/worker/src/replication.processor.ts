import { Logger } from '@nestjs/common';
import { copyImage, removeReference, withRetry, type RegistryClient, type RetryPolicy } from '@berth/client';
import type {
  DispatchedTask,
  RegistryRecords,
  ReplicationExecutionRecords,
  ReplicationPolicyRecord,
  ReplicationPolicyRecords,
  ReplicationTaskRecord,
  RepositoryRecords,
} from '@berth/db';
import { JOBS, type JobContext, type JobPayloads, type JobQueue } from '@berth/jobs';
import { messageOf } from './job-runner.js';
import { ReplicationArtifacts } from './replication-artifacts.js';
import { RegistryClientPool } from './replication-clients.js';
import type { ReplicationRobot } from './replication-robot.js';

export interface ReplicationProcessorOptions {
  /** Berth's own public URL: the local side of every copy goes through the registry API. */
  publicUrl: string;
  /** How often a running task stamps its heartbeat. */
  heartbeatMs: number;
}

type TaskOutcome = { status: 'succeeded' | 'failed' | 'skipped'; digest?: string; error?: string };

/**
 * `replication.execute` resolves an execution's artifacts into tasks (`ReplicationArtifacts`)
 * and enqueues as many `replication.task` jobs as the policy's `concurrency` allows (the slots
 * live in PostgreSQL; each task that ends hands its slot on). `replication.task` copies one
 * artifact with `copyImage` (referrers included, existing blobs skipped, at most the policy's
 * bandwidth), retrying with the policy's back-off up to its attempts, or deletes it at the
 * destination; the last task to end finishes the execution.
 */
export class ReplicationProcessor {
  private readonly logger = new Logger('replication');
  private readonly artifacts: ReplicationArtifacts;
  /** Clients shared across tasks: auth learnt once, tokens per repository, keep-alive sockets. */
  private readonly clientPool = new RegistryClientPool();

  constructor(
    private readonly registries: RegistryRecords,
    private readonly policies: ReplicationPolicyRecords,
    private readonly executions: ReplicationExecutionRecords,
    repositories: RepositoryRecords,
    private readonly robot: ReplicationRobot,
    private readonly queue: () => JobQueue | undefined,
    private readonly options: ReplicationProcessorOptions,
  ) {
    this.artifacts = new ReplicationArtifacts(repositories, (policy) => this.remote(policy));
  }

  async execute({ executionId }: JobPayloads['replication.execute']): Promise<void> {
    const execution = await this.executions.claim(executionId);
    if (!execution) {
      this.logger.debug({ message: 'replication execution not pending; nothing to do', executionId });
      return;
    }
    try {
      const policy = await this.policies.get(execution.policyId);
      if (!policy) throw new Error(`policy ${execution.policyId} no longer exists`);
      // A remote answering 5xx for a while (listing its catalog, for pull) is retried like a copy.
      const tasks = await withRetry(() => this.artifacts.tasksOf(policy, execution), {
        policy: retryPolicyOf(policy),
        onRetry: (error, attempt, delayMs) =>
          this.logger.warn({
            message: 'resolving the artifacts failed; retrying',
            executionId,
            attempt,
            delayMs,
            error: messageOf(error),
          }),
      });
      await this.executions.resolve(executionId, tasks);
      this.logger.log({ message: 'replication execution resolved', executionId, tasks: tasks.length });
    } catch (error) {
      const message = `resolving the artifacts failed: ${messageOf(error)}`;
      await this.executions.fail(executionId, message);
      this.logger.error({ message: 'replication execution failed', executionId, error: message });
      return;
    }
    await this.executions.finishIfDone(executionId);
    await this.enqueue(await this.executions.dispatch(executionId));
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
    let ended: boolean;
    try {
      const result = await this.run(task, log, context.signal);
      if (!result) return; // shutting down: left running, the reconciler re-queues it
      ended = await this.executions.finishTask(taskId, { ...result, log: log.join('') });
    } finally {
      clearInterval(heartbeat);
      await this.executions.finishIfDone(task.executionId);
    }
    // The slot this task held is free: hand it to the next waiting task.
    if (ended) await this.enqueue(await this.executions.dispatch(task.executionId));
  }

  /** Enqueues dispatched tasks; those that fail to enqueue are re-enqueued by the reconciler. */
  private async enqueue(tasks: readonly DispatchedTask[]): Promise<void> {
    const queue = this.queue();
    if (!queue) return;
    for (const task of tasks) {
      try {
        await queue.enqueue(JOBS.replicationTask, { taskId: task.id }, task.attempts);
      } catch (error) {
        this.logger.warn({
          message: 'task not enqueued; the reconciler retries',
          taskId: task.id,
          error: messageOf(error),
        });
      }
    }
  }

  private async run(
    task: ReplicationTaskRecord,
    log: string[],
    signal: AbortSignal,
  ): Promise<TaskOutcome | undefined> {
    const { sourceRepository: srcRepo, sourceReference: tag } = task;
    const { destinationRepository: dstRepo, destinationReference: dstTag } = task;
    const what =
      task.operation === 'delete'
        ? `delete ${dstRepo}:${dstTag}`
        : `${srcRepo}:${tag} -> ${dstRepo}:${dstTag}`;
    try {
      const execution = await this.executions.get(task.executionId);
      const policy = execution && (await this.policies.get(execution.policyId));
      if (!policy) throw new Error('the policy of this execution no longer exists');
      const { src, dst } = await this.clients(policy);
      if (task.operation === 'delete') return await this.remove(dst, policy, task, what, log, signal);
      if (execution.trigger === 'event') {
        // The destination may have it already (or have sent it: two registries replicating
        // to each other on events would otherwise echo every push back and forth).
        const [source, existing] = await Promise.all([
          src.headManifest(srcRepo, tag),
          dst.headManifest(dstRepo, dstTag),
        ]);
        if (source && existing?.digest === source.digest) {
          log.push(`${what}: destination tag already at ${existing.digest}; nothing to copy\n`);
          return { status: 'skipped', digest: existing.digest };
        }
      }
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
            ...(policy.bandwidthLimitKbps !== null && { bandwidthLimitKbps: policy.bandwidthLimitKbps }),
          });
        },
        {
          policy: retryPolicyOf(policy),
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

  /** Deletes the task's reference at the destination (deletion replication). */
  private async remove(
    dst: RegistryClient,
    policy: ReplicationPolicyRecord,
    task: ReplicationTaskRecord,
    what: string,
    log: string[],
    signal: AbortSignal,
  ): Promise<TaskOutcome> {
    const outcome = await withRetry(
      () => removeReference(dst, task.destinationRepository, task.destinationReference),
      {
        policy: retryPolicyOf(policy),
        signal,
        onRetry: (error, attempt, delayMs) => {
          log.push(`${what}: attempt ${attempt} failed (${messageOf(error)}); retrying in ${delayMs} ms\n`);
        },
      },
    );
    switch (outcome.removed) {
      case 'nothing':
        log.push(`${what}: ${outcome.reason}; nothing to delete\n`);
        return { status: 'skipped' };
      case 'tag':
        log.push(`${what}: tag deleted\n`);
        break;
      case 'manifest':
        log.push(
          outcome.via === undefined
            ? `${what}: manifest deleted\n`
            : `${what}: the registry cannot delete tags; deleted manifest ${outcome.digest}, which no other tag uses\n`,
        );
        break;
    }
    this.logger.log({ message: 'replication deletion succeeded', taskId: task.id, artifact: what });
    return { status: 'succeeded', ...(outcome.removed === 'manifest' && { digest: outcome.digest }) };
  }

  /** Source and destination clients: the local side is Berth itself, as the replication robot. */
  private async clients(
    policy: ReplicationPolicyRecord,
  ): Promise<{ src: RegistryClient; dst: RegistryClient }> {
    const local = this.clientPool.get({ url: this.options.publicUrl, credentials: await this.robot.get() });
    const remote = await this.remote(policy);
    return policy.mode === 'push' ? { src: local, dst: remote } : { src: remote, dst: local };
  }

  private async remote(policy: ReplicationPolicyRecord): Promise<RegistryClient> {
    const registry = await this.registries.get(policy.registryId);
    if (!registry) throw new Error(`registry ${policy.registryId} no longer exists`);
    const credentials = await this.registries.credentials(registry.id);
    return this.clientPool.get({
      url: registry.url,
      insecure: registry.insecure,
      ...(credentials && { credentials }),
    });
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

/** The policy's retry settings for `withRetry`: doubling from `backoffSeconds`, at most an hour apart. */
function retryPolicyOf(policy: ReplicationPolicyRecord): Partial<RetryPolicy> {
  return {
    attempts: policy.retry.attempts,
    baseDelayMs: policy.retry.backoffSeconds * 1000,
    maxDelayMs: 3_600_000,
  };
}
