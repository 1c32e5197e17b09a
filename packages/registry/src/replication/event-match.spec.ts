import { describe, expect, it } from '@jest/globals';
import type { RegistryEvent } from '../registry-events.js';
import { eventReplication, mayTriggerReplication, type EventPolicy } from './event-match.js';

const D = `sha256:${'a'.repeat(64)}`;
const at = new Date(0);
const origin = { actor: 'alice', at };

const policy = (overrides: Partial<EventPolicy> = {}): EventPolicy => ({
  mode: 'push',
  enabled: true,
  sourceNamespace: null,
  filters: { repository: 'src/**', tag: 'v*' },
  trigger: { type: 'event', replicateDeletion: false },
  ...overrides,
});

const pushed = (repository: string, tags: string[]): RegistryEvent => ({
  kind: 'manifest.pushed',
  ...origin,
  repository,
  digest: D,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  tags,
});

describe('eventReplication', () => {
  it('copies the pushed tags that pass the filters', () => {
    expect(eventReplication(policy(), pushed('src/app', ['v1', 'latest', 'v1.1']))).toEqual({
      operation: 'copy',
      repository: 'src/app',
      digest: D,
      tags: ['v1', 'v1.1'],
    });
  });

  it('ignores a manifest pushed by digest alone (the children of an index, a referrer)', () => {
    expect(eventReplication(policy(), pushed('src/app', []))).toBeUndefined();
    expect(
      eventReplication(policy({ filters: { repository: null, tag: null } }), pushed('src/app', [])),
    ).toBeUndefined();
  });

  it('ignores pushes outside the filters or the source namespace', () => {
    expect(eventReplication(policy(), pushed('other/app', ['v1']))).toBeUndefined();
    expect(eventReplication(policy(), pushed('src/app', ['latest']))).toBeUndefined();
    expect(eventReplication(policy({ sourceNamespace: 'team' }), pushed('src/app', ['v1']))).toBeUndefined();
  });

  it('only acts for enabled push policies with an event trigger', () => {
    const event = pushed('src/app', ['v1']);
    expect(eventReplication(policy({ enabled: false }), event)).toBeUndefined();
    expect(eventReplication(policy({ mode: 'pull' }), event)).toBeUndefined();
    expect(
      eventReplication(policy({ trigger: { type: 'manual', replicateDeletion: false } }), event),
    ).toBeUndefined();
    expect(
      eventReplication(policy({ trigger: { type: 'scheduled', replicateDeletion: true } }), event),
    ).toBeUndefined();
  });

  it('replicates deletions only when the policy asks for it', () => {
    const tagDeleted: RegistryEvent = { kind: 'tag.deleted', ...origin, repository: 'src/app', tag: 'v2' };
    const manifestDeleted: RegistryEvent = {
      kind: 'manifest.deleted',
      ...origin,
      repository: 'src/app',
      digest: D,
    };
    expect(eventReplication(policy(), tagDeleted)).toBeUndefined();
    expect(eventReplication(policy(), manifestDeleted)).toBeUndefined();
    const deleting = policy({ trigger: { type: 'event', replicateDeletion: true } });
    expect(eventReplication(deleting, tagDeleted)).toEqual({
      operation: 'delete',
      repository: 'src/app',
      digest: null,
      tags: ['v2'],
    });
    expect(eventReplication(deleting, { ...tagDeleted, tag: 'latest' })).toBeUndefined();
    // A manifest's tags are gone when it is deleted: only the repository filter applies.
    expect(eventReplication(deleting, manifestDeleted)).toEqual({
      operation: 'delete',
      repository: 'src/app',
      digest: D,
      tags: [],
    });
    expect(eventReplication(deleting, { ...manifestDeleted, repository: 'other/app' })).toBeUndefined();
  });

  it('never replicates pulls or uploads', () => {
    const deleting = policy({
      trigger: { type: 'event', replicateDeletion: true },
      filters: { repository: null, tag: null },
    });
    const pulled: RegistryEvent = {
      kind: 'manifest.pulled',
      ...origin,
      repository: 'src/app',
      digest: D,
      reference: 'v1',
    };
    const uploaded: RegistryEvent = {
      kind: 'blob.uploaded',
      ...origin,
      repository: 'src/app',
      digest: D,
      size: 1,
    };
    expect(eventReplication(deleting, pulled)).toBeUndefined();
    expect(eventReplication(deleting, uploaded)).toBeUndefined();
    expect(mayTriggerReplication('manifest.pulled')).toBe(false);
    expect(mayTriggerReplication('blob.uploaded')).toBe(false);
    expect(mayTriggerReplication('manifest.pushed')).toBe(true);
    expect(mayTriggerReplication('tag.deleted')).toBe(true);
    expect(mayTriggerReplication('manifest.deleted')).toBe(true);
  });
});
