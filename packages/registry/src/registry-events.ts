/** Who caused an event: the token's subject (`''` when anonymous) and the client's address. */
export interface EventOrigin {
  actor: string;
  address?: string;
}

interface EventBase extends EventOrigin {
  repository: string;
  at: Date;
}

/** What happened to a repository's content, after it was committed. */
export type RegistryEvent =
  | (EventBase & { kind: 'manifest.pushed'; digest: string; mediaType: string; tags: string[] })
  | (EventBase & { kind: 'manifest.pulled'; digest: string; reference: string })
  | (EventBase & { kind: 'manifest.deleted'; digest: string })
  | (EventBase & { kind: 'tag.deleted'; tag: string })
  | (EventBase & { kind: 'blob.uploaded'; digest: string; size: number });

export type RegistryEventKind = RegistryEvent['kind'];

/** Distributes an event type without its envelope, for callers building one. */
export type RegistryEventInput = RegistryEvent extends infer E
  ? E extends RegistryEvent
    ? Omit<E, 'at'> & { at?: Date }
    : never
  : never;

export type RegistryEventListener = (event: RegistryEvent) => void;

/**
 * An in-process publish/subscribe of registry activity: the audit trail, pull counters,
 * metrics and event-triggered replication listen here instead of being called from the
 * request path one by one.
 *
 * Listeners run synchronously right after the change is committed and must not block: they
 * buffer or enqueue their work. A failing listener is reported to `onError` and never fails the
 * request that caused the event (the change has already happened).
 */
export class RegistryEvents {
  private readonly listeners = new Set<RegistryEventListener>();

  constructor(private readonly onError: (error: unknown, event: RegistryEvent) => void = () => {}) {}

  /** Returns the function that unsubscribes. */
  subscribe(listener: RegistryEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(input: RegistryEventInput): void {
    if (this.listeners.size === 0) return;
    const event = { ...input, at: input.at ?? new Date() };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error, event);
      }
    }
  }
}
