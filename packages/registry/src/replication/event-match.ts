/**
 * Event-triggered replication, without I/O: which registry events a policy replicates, and
 * what each asks for. Push policies only: Berth sees its own pushes and deletes, not a remote's.
 */
import type { RegistryEvent } from '../registry-events.js';
import { inNamespace, matchesFilters, type ReplicationFilters } from './filters.js';

/** The parts of a policy that event matching reads (a `ReplicationPolicyRecord` fits). */
export interface EventPolicy {
  mode: 'push' | 'pull';
  enabled: boolean;
  sourceNamespace: string | null;
  filters: ReplicationFilters;
  trigger: { type: string; replicateDeletion: boolean };
}

/** What an event asks a policy to replicate: one artifact, copied or deleted. */
export interface EventReplication {
  operation: 'copy' | 'delete';
  repository: string;
  /** The manifest pushed or deleted; `null` for a deleted tag. */
  digest: string | null;
  /** Pushed tags that pass the tag filter, or the deleted tag; empty for a manifest deleted by digest. */
  tags: string[];
}

/**
 * What `event` asks of `policy`, or `undefined` when the policy does not replicate it:
 *
 * - `manifest.pushed` with tags: a copy of the tags that pass the filters. A manifest pushed by
 *   digest alone (the children of a multi-arch index, pushed before it; a referrer) starts
 *   nothing: the copy of the tag that reaches it brings it along.
 * - `tag.deleted` (deletion replication on): the tag, when it passes the filters.
 * - `manifest.deleted` (deletion replication on): the manifest, when its repository passes the
 *   repository filter. Its tags are gone by now, so the tag filter cannot apply; what the
 *   destination does not have is skipped there.
 * - anything else (pulls, uploads): nothing.
 */
export function eventReplication(policy: EventPolicy, event: RegistryEvent): EventReplication | undefined {
  if (!policy.enabled || policy.mode !== 'push' || policy.trigger.type !== 'event') return undefined;
  if (!inNamespace(event.repository, policy.sourceNamespace)) return undefined;
  const { repository } = event;
  switch (event.kind) {
    case 'manifest.pushed': {
      const tags = event.tags.filter((tag) => matchesFilters(repository, tag, policy.filters));
      if (tags.length === 0) return undefined;
      return { operation: 'copy', repository, digest: event.digest, tags };
    }
    case 'tag.deleted':
      if (!policy.trigger.replicateDeletion) return undefined;
      if (!matchesFilters(repository, event.tag, policy.filters)) return undefined;
      return { operation: 'delete', repository, digest: null, tags: [event.tag] };
    case 'manifest.deleted':
      if (!policy.trigger.replicateDeletion) return undefined;
      if (!matchesFilters(repository, '', { repository: policy.filters.repository, tag: null })) {
        return undefined;
      }
      return { operation: 'delete', repository, digest: event.digest, tags: [] };
    case 'manifest.pulled':
    case 'blob.uploaded':
      return undefined;
  }
}

/** Whether an event kind can ever trigger replication: the rest is dropped without a lookup. */
export function mayTriggerReplication(kind: RegistryEvent['kind']): boolean {
  return kind === 'manifest.pushed' || kind === 'tag.deleted' || kind === 'manifest.deleted';
}
