/** One dependency's answer. `error` is a short reason, never a URL with credentials. */
export interface CheckResult {
  status: 'ok' | 'unavailable';
  latencyMs: number;
  error?: string;
}

export type ReadinessStatus = 'ok' | 'degraded' | 'unavailable';

export interface ReadinessReport {
  status: ReadinessStatus;
  checks: Record<string, CheckResult>;
}

/** Credentials in URLs (`scheme://user:password@host`) and long messages are cut from reasons. */
export function safeReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\/\/[^\s/@]*@/g, '//***@').slice(0, 200);
}

/** Runs `probe`, failing it after `timeoutMs`: a readiness check never hangs. */
export async function runCheck(probe: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { status: 'ok', latencyMs: elapsed(started) };
  } catch (error) {
    return { status: 'unavailable', latencyMs: elapsed(started), error: safeReason(error) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

/**
 * The overall status: `unavailable` when a required dependency is down, `degraded` when only an
 * optional one is (the registry serves without Redis; background jobs wait), else `ok`.
 */
export function readinessOf(
  checks: Record<string, CheckResult>,
  optional: readonly string[],
): ReadinessReport {
  let status: ReadinessStatus = 'ok';
  for (const [name, check] of Object.entries(checks)) {
    if (check.status === 'ok') continue;
    if (!optional.includes(name)) return { status: 'unavailable', checks };
    status = 'degraded';
  }
  return { status, checks };
}
