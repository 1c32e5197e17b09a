import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type {
  ReplicationExecutionRecords,
  ReplicationPolicyRecord,
  ReplicationPolicyRecords,
} from '@berth/db';
import {
  eventReplication,
  mayTriggerReplication,
  type RegistryEvent,
  type RegistryEvents,
} from '@berth/registry';
import type { ReplicationJobs } from './replication-jobs.js';

/** How long this process trusts its list of event policies when another process may change it. */
export const EVENT_POLICIES_TTL_MS = 5_000;

/**
 * Event-triggered replication: listens to the registry's pushes and deletes (`RegistryEvents`)
 * and starts an execution limited to the artifact for every enabled push policy with an `event`
 * trigger that matches (`eventReplication`).
 *
 * The push never waits for this and never fails because of it: the listener returns at once,
 * and the work that follows (a row in PostgreSQL, then a job) logs its failures. Without Redis
 * the execution stays pending and the worker's reconciler enqueues it.
 *
 * The event policies are cached: a policy change in this process drops the cache, and other
 * api processes see it within `EVENT_POLICIES_TTL_MS`. While no event policy exists, a push
 * costs no query at all (one refresh per TTL).
 */
export class ReplicationEventTrigger implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('replication');
  private policies: ReplicationPolicyRecord[] = [];
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<ReplicationPolicyRecord[]> | undefined;
  /** Bumped by `invalidate`: a read that started before a change must not be cached as fresh. */
  private generation = 0;
  private unsubscribe: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly events: RegistryEvents,
    private readonly policyRecords: ReplicationPolicyRecords,
    private readonly executions: ReplicationExecutionRecords,
    private readonly jobs: ReplicationJobs,
    private readonly ttlMs = EVENT_POLICIES_TTL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((event) => this.onEvent(event));
  }

  /** Stops listening and lets started work finish (the database closes after this). */
  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await Promise.allSettled([...this.inFlight]);
  }

  /** A policy changed in this process: the next event reads the policies again. */
  invalidate(): void {
    this.generation += 1;
    this.loadedAt = Number.NEGATIVE_INFINITY;
    this.loading = undefined;
  }

  private onEvent(event: RegistryEvent): void {
    if (!mayTriggerReplication(event.kind)) return;
    if (this.fresh() && this.policies.length === 0) return;
    const work = this.handle(event).catch((error: unknown) =>
      this.logger.warn({
        message: 'event-triggered replication not started',
        event: event.kind,
        repository: event.repository,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async handle(event: RegistryEvent): Promise<void> {
    for (const policy of await this.current()) {
      const replication = eventReplication(policy, event);
      if (!replication) continue;
      const { operation, ...artifact } = replication;
      const execution = await this.executions.create(policy.id, 'event', event.actor || null, {
        operation,
        artifact,
      });
      this.logger.log({
        message: 'event-triggered replication execution created',
        policyId: policy.id,
        executionId: execution.id,
        operation,
        repository: artifact.repository,
        ...(artifact.digest !== null && { digest: artifact.digest }),
        ...(artifact.tags.length > 0 && { tags: artifact.tags }),
      });
      await this.jobs.enqueueExecution(execution.id);
    }
  }

  private fresh(): boolean {
    return this.now() - this.loadedAt < this.ttlMs;
  }

  /** The event policies, read again when stale; concurrent events share one read. */
  private async current(): Promise<ReplicationPolicyRecord[]> {
    if (this.fresh()) return this.policies;
    if (this.loading) return this.loading;
    const generation = this.generation;
    const loading = this.policyRecords.enabledWithTrigger('event').then((policies) => {
      if (generation === this.generation) {
        this.policies = policies;
        this.loadedAt = this.now();
      }
      return policies;
    });
    this.loading = loading;
    void loading
      .finally(() => {
        if (this.loading === loading) this.loading = undefined;
      })
      .catch(() => undefined);
    return loading;
  }
}
