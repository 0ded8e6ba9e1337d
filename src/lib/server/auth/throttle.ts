// Slows password guessing without handing anyone a way to lock others out.
//
// Two keys, both in memory (one process owns sign-in per dashboard; with several `serve` processes
// behind a balancer each keeps its own counts, which only makes the limits per process):
//  - account + address: after FREE_FAILURES failed sign-ins for one username from one address, each
//    further failure doubles the wait before the next attempt (1 s, 2 s, 4 s … capped at MAX_BACKOFF_MS).
//    Failures elsewhere never count here, so nobody can lock a user out of their own address.
//  - address alone, looser: more than ADDRESS_MAX_FAILURES failures from one address (any usernames)
//    within WINDOW_MS refuse further attempts from that address until the window has passed.
// The account + address key is forgotten WINDOW_MS after its backoff has run out (so waiting out the
// cap does not buy fresh free attempts), and on a successful sign-in from that address.
// Failures, refusals and the keys held are counted on /metrics (access-limit-metrics.ts), per process.
import { accessLimitMetrics } from '../access-limit-metrics.ts';

export const WINDOW_MS = 15 * 60 * 1000;
export const FREE_FAILURES = 5;
export const MAX_BACKOFF_MS = 15 * 60 * 1000;
export const ADDRESS_MAX_FAILURES = 50;

interface Failures {
  /** Times of the failures still inside the window, oldest first. */
  times: number[];
}

const failures = new Map<string, Failures>();
/** Beyond this many keys the oldest are dropped, so a flood of made-up names cannot exhaust memory. */
const MAX_KEYS = 100_000;

const accountKey = (username: string, ip: string) => `a:${username.toLowerCase()}\u0000${ip}`;
const addressKey = (ip: string) => `ip:${ip}`;

/** The account + address key's failures; forgotten WINDOW_MS after its current backoff has run out. */
function accountFailures(key: string, now: number): number[] {
  const times = failures.get(key)?.times ?? [];
  if (times.length && now - times[times.length - 1] >= backoffMs(times.length) + WINDOW_MS) {
    failures.delete(key);
    return [];
  }
  return times;
}

/** The address key's failures within the last WINDOW_MS (a sliding window). */
function addressFailures(key: string, now: number): number[] {
  const times = (failures.get(key)?.times ?? []).filter((t) => now - t < WINDOW_MS);
  if (times.length) failures.set(key, { times });
  else failures.delete(key);
  return times;
}

/** Milliseconds an account + address key waits after its `n`th failure before the next attempt. */
export function backoffMs(n: number): number {
  if (n < FREE_FAILURES) return 0;
  return Math.min(1000 * 2 ** (n - FREE_FAILURES), MAX_BACKOFF_MS);
}

export interface Throttle {
  /** Seconds to wait before trying again (0: allowed). */
  wait: number;
  /** Which limit refused the attempt. */
  reason: 'account_address' | 'address' | null;
}

/** Whether a sign-in attempt for `username` from `ip` may go ahead now. */
export function loginThrottle(username: string, ip: string, now = Date.now()): Throttle {
  const perAccount = accountFailures(accountKey(username, ip), now);
  const accountWait = perAccount.length ? perAccount[perAccount.length - 1] + backoffMs(perAccount.length) - now : 0;
  const perAddress = addressFailures(addressKey(ip), now);
  const addressWait = perAddress.length >= ADDRESS_MAX_FAILURES ? perAddress[perAddress.length - ADDRESS_MAX_FAILURES] + WINDOW_MS - now : 0;
  if (accountWait <= 0 && addressWait <= 0) return { wait: 0, reason: null };
  return accountWait >= addressWait
    ? { wait: Math.ceil(accountWait / 1000), reason: 'account_address' }
    : { wait: Math.ceil(addressWait / 1000), reason: 'address' };
}

/** Seconds to wait before trying again, or 0 when an attempt is allowed. */
export function loginBlockedFor(username: string, ip: string, now = Date.now()): number {
  return loginThrottle(username, ip, now).wait;
}

export function recordLoginFailure(username: string, ip: string, now = Date.now()): void {
  // Each key needs only its last ADDRESS_MAX_FAILURES times (the account key's backoff is capped well before).
  const account = accountKey(username, ip);
  failures.set(account, { times: [...accountFailures(account, now), now].slice(-ADDRESS_MAX_FAILURES) });
  const address = addressKey(ip);
  failures.set(address, { times: [...addressFailures(address, now), now].slice(-ADDRESS_MAX_FAILURES) });
  for (const key of failures.keys()) {
    if (failures.size <= MAX_KEYS) break;
    failures.delete(key);
  }
  accessLimitMetrics.loginFailures.inc();
  accessLimitMetrics.loginThrottleKeys.set(failures.size);
}

/** Counts an attempt the throttle refused (oversight_login_throttled_total{limit}); the caller refuses it. */
export function countThrottled(t: Throttle): void {
  if (t.reason) accessLimitMetrics.loginThrottled.inc({ limit: t.reason });
}

/** After a successful sign-in: the account's failures from this address are forgotten. */
export function clearLoginFailures(username: string, ip: string): void {
  failures.delete(accountKey(username, ip));
  accessLimitMetrics.loginThrottleKeys.set(failures.size);
}
