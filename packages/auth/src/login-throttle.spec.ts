import { describe, expect, it } from '@jest/globals';
import { backoffSeconds, decideLogin, LOGIN_THROTTLE, type FailureCount } from './login-throttle.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);
const none: FailureCount = { count: 0 };

describe('backoffSeconds', () => {
  it.each([
    [0, 0],
    [4, 0],
    [5, 30],
    [6, 60],
    [7, 120],
    [8, 240],
    [9, 480],
    [10, 900],
    [50, 900],
    [Number.MAX_SAFE_INTEGER, 900],
    [Infinity, 900],
    [-3, 0],
    [NaN, 0],
    [5.9, 30],
  ])('after %s username failures: %s s', (count, seconds) => {
    expect(backoffSeconds(count, LOGIN_THROTTLE.usernameFailures)).toBe(seconds);
  });
});

describe('decideLogin', () => {
  it.each<[string, FailureCount, FailureCount, boolean, number]>([
    ['no failures', none, none, true, 0],
    ['4 failures for the user', { count: 4, lastFailureAt: ago(1) }, none, true, 0],
    ['5 failures, the last just now', { count: 5, lastFailureAt: NOW }, none, false, 30],
    ['5 failures, the last 10 s ago', { count: 5, lastFailureAt: ago(10) }, none, false, 20],
    [
      '5 failures, the last 10.5 s ago (rounded up)',
      { count: 5, lastFailureAt: new Date(NOW.getTime() - 10_500) },
      none,
      false,
      20,
    ],
    ['5 failures, the last 30 s ago', { count: 5, lastFailureAt: ago(30) }, none, true, 0],
    ['6 failures, the last 30 s ago', { count: 6, lastFailureAt: ago(30) }, none, false, 30],
    ['20 failures, the last 10 min ago', { count: 20, lastFailureAt: ago(600) }, none, false, 300],
    ['5 failures with no timestamp (now)', { count: 5 }, none, false, 30],
    ['a last failure in the future (clock skew)', { count: 5, lastFailureAt: ago(-60) }, none, false, 90],
    ['19 failures from the address', none, { count: 19, lastFailureAt: NOW }, true, 0],
    ['20 failures from the address', none, { count: 20, lastFailureAt: NOW }, false, 30],
    ['22 failures from the address', none, { count: 22, lastFailureAt: ago(100) }, false, 20],
    [
      'both throttled: the longer wait wins',
      { count: 5, lastFailureAt: NOW },
      { count: 23, lastFailureAt: NOW },
      false,
      240,
    ],
  ])('%s', (_label, username, address, allowed, retryAfterSeconds) => {
    expect(decideLogin({ username, address }, NOW)).toEqual({ allowed, retryAfterSeconds });
  });

  it('follows a custom policy', () => {
    const policy = { ...LOGIN_THROTTLE, usernameFailures: 1, baseDelaySeconds: 2, maxDelaySeconds: 5 };
    expect(decideLogin({ username: { count: 1, lastFailureAt: NOW }, address: none }, NOW, policy)).toEqual({
      allowed: false,
      retryAfterSeconds: 2,
    });
    expect(decideLogin({ username: { count: 9, lastFailureAt: NOW }, address: none }, NOW, policy)).toEqual({
      allowed: false,
      retryAfterSeconds: 5,
    });
  });
});
