import { JOBS, jobsOf, type JobName, type JobPayloads, type QueueName } from './contract.js';

/** What a handler gets besides its payload. */
export interface JobContext {
  /** The BullMQ job id. */
  jobId: string | undefined;
  /** Set when the worker is shutting down: stop at the next safe point. */
  signal: AbortSignal;
}

export type JobHandler<N extends JobName> = (payload: JobPayloads[N], context: JobContext) => Promise<void>;

/** One job name with its handler; `defineHandlers` takes a list of these. */
export type HandlerEntry = { [N in JobName]: { name: N; handle: JobHandler<N> } }[JobName];

/** Pairs a job name with its handler, keeping the payload type. */
export function handler<N extends JobName>(name: N, handle: JobHandler<N>): HandlerEntry {
  return { name, handle } as HandlerEntry;
}

/** The worker's boot refuses an incomplete or ambiguous handler table. */
export class JobContractError extends Error {
  override readonly name = 'JobContractError';
}

/** The handlers of one queue: exactly one per job name travelling on it. */
export class HandlerTable {
  private constructor(
    readonly queue: QueueName,
    private readonly handlers: ReadonlyMap<string, HandlerEntry>,
  ) {}

  /**
   * Checks `entries` against the contract: every job of `queue` has exactly one handler, and no
   * handler is for a job that is not on `queue`. Throws `JobContractError` naming every problem.
   */
  static define(queue: QueueName, entries: readonly HandlerEntry[]): HandlerTable {
    const problems: string[] = [];
    const known = new Set<string>(Object.values(JOBS));
    const expected = new Set<string>(jobsOf(queue));
    const seen = new Map<string, HandlerEntry>();
    for (const entry of entries) {
      if (!known.has(entry.name)) problems.push(`${entry.name}: not a job name`);
      else if (!expected.has(entry.name)) problems.push(`${entry.name}: not a job of queue ${queue}`);
      else if (seen.has(entry.name)) problems.push(`${entry.name}: two handlers`);
      seen.set(entry.name, entry);
    }
    for (const name of expected) if (!seen.has(name)) problems.push(`${name}: no handler`);
    if (problems.length > 0) {
      throw new JobContractError(
        `job handlers of queue ${queue} do not match the contract: ${problems.join('; ')}`,
      );
    }
    return new HandlerTable(queue, seen);
  }

  /** The handler of `name`; `undefined` for a name this queue does not know. */
  get(name: string): HandlerEntry | undefined {
    return this.handlers.get(name);
  }

  names(): string[] {
    return [...this.handlers.keys()].sort();
  }
}

/** `HandlerTable.define`, as a function. */
export function defineHandlers(queue: QueueName, entries: readonly HandlerEntry[]): HandlerTable {
  return HandlerTable.define(queue, entries);
}
