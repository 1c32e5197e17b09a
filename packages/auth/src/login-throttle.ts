/**
 * The back-off policy for failed logins (token service Basic auth, OAuth2 password grant, admin
 * API Basic auth). Pure: the caller counts failures per username and per source address over
 * the window, remembers when the last one happened, and asks before checking the password.
 *
 * Asking first matters: while an account is throttled even the right password is refused, so
 * the throttle is not an oracle. A success resets the username's count (the caller's job).
 */

export interface LoginThrottlePolicy {
  /** How far back the caller counts failures; also a sensible TTL for its counters. */
  windowSeconds: number;
  /** Failures of one username within the window before back-off starts. */
  usernameFailures: number;
  /** Failures from one source address within the window before back-off starts. */
  addressFailures: number;
  /** The wait after the first failure over a threshold; it doubles with each further failure. */
  baseDelaySeconds: number;
  /** The longest wait. */
  maxDelaySeconds: number;
}

/**
 * 5 failures per username and 20 per address in 15 minutes are free; then 30 s, 60 s, 2 min,
 * 4 min, 8 min, and 15 min at most. A CI job with a typo'd secret recovers within minutes; an
 * online guesser gets a few dozen tries an hour per account.
 */
export const LOGIN_THROTTLE: Readonly<LoginThrottlePolicy> = Object.freeze({
  windowSeconds: 900,
  usernameFailures: 5,
  addressFailures: 20,
  baseDelaySeconds: 30,
  maxDelaySeconds: 900,
});

/** Failures of one key (a username or an address) within the window. */
export interface FailureCount {
  count: number;
  /** When the most recent failure happened; missing while `count` is past the threshold means now. */
  lastFailureAt?: Date;
}

export interface LoginFailures {
  username: FailureCount;
  address: FailureCount;
}

export interface ThrottleDecision {
  allowed: boolean;
  /** 0 when allowed; otherwise whole seconds to wait (for a `Retry-After` header), at least 1. */
  retryAfterSeconds: number;
}

/** The back-off owed after `count` failures against a `free` threshold, in seconds (0: none). */
export function backoffSeconds(
  count: number,
  free: number,
  policy: LoginThrottlePolicy = LOGIN_THROTTLE,
): number {
  const failures = Number.isNaN(count) ? 0 : Math.max(0, Math.floor(count));
  if (failures < free) return 0;
  const doublings = Math.min(failures - free, 30);
  return Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** doublings);
}

function waitFor(failure: FailureCount, free: number, now: Date, policy: LoginThrottlePolicy): number {
  const delay = backoffSeconds(failure.count, free, policy);
  if (delay === 0) return 0;
  const last = failure.lastFailureAt?.getTime() ?? now.getTime();
  const remainingMs = last + delay * 1000 - now.getTime();
  return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
}

/** Whether a login attempt may proceed now; the longer of the username and address waits wins. */
export function decideLogin(
  failures: LoginFailures,
  now: Date,
  policy: LoginThrottlePolicy = LOGIN_THROTTLE,
): ThrottleDecision {
  const wait = Math.max(
    waitFor(failures.username, policy.usernameFailures, now, policy),
    waitFor(failures.address, policy.addressFailures, now, policy),
  );
  return wait > 0 ? { allowed: false, retryAfterSeconds: wait } : { allowed: true, retryAfterSeconds: 0 };
}
