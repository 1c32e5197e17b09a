import { RegistryEvents, type RegistryEvent } from './registry-events.js';

const pushed = {
  kind: 'manifest.pushed',
  actor: 'alice',
  address: '127.0.0.1',
  repository: 'library/app',
  digest: 'sha256:' + 'a'.repeat(64),
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  tags: ['1.0'],
} as const;

describe('RegistryEvents', () => {
  it('delivers every event to every listener, stamped with the time', () => {
    const events = new RegistryEvents();
    const first: RegistryEvent[] = [];
    const second: RegistryEvent[] = [];
    events.subscribe((event) => first.push(event));
    events.subscribe((event) => second.push(event));
    events.emit({ ...pushed, tags: [...pushed.tags] });
    expect(first).toHaveLength(1);
    expect(second).toEqual(first);
    expect(first[0]).toMatchObject({ kind: 'manifest.pushed', actor: 'alice', repository: 'library/app' });
    expect(first[0]!.at).toBeInstanceOf(Date);
  });

  it('keeps delivering when a listener throws, and reports the failure', () => {
    const failures: string[] = [];
    const events = new RegistryEvents((error, event) => failures.push(`${event.kind}: ${String(error)}`));
    const seen: string[] = [];
    events.subscribe(() => {
      throw new Error('listener broke');
    });
    events.subscribe((event) => seen.push(event.kind));
    expect(() => events.emit({ kind: 'tag.deleted', actor: '', repository: 'a/b', tag: 'x' })).not.toThrow();
    expect(seen).toEqual(['tag.deleted']);
    expect(failures).toEqual(['tag.deleted: Error: listener broke']);
  });

  it('stops delivering to a listener that unsubscribed', () => {
    const events = new RegistryEvents();
    const seen: string[] = [];
    const unsubscribe = events.subscribe((event) => seen.push(event.kind));
    unsubscribe();
    events.emit({ kind: 'tag.deleted', actor: '', repository: 'a/b', tag: 'x' });
    expect(seen).toEqual([]);
  });
});
