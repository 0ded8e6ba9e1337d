// Slows password guessing: after MAX_FAILURES failed sign-ins for one username (from any address) or
// from one address (for any username) within WINDOW_MS, further attempts are refused until the window
// has passed. In memory: one dashboard process owns sign-in in the embedded mode.
const WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES = 8;

const failures = new Map<string, number[]>();

function recent(key: string, now: number): number[] {
  const list = (failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
  if (list.length) failures.set(key, list);
  else failures.delete(key);
  return list;
}

/** Seconds to wait before trying again, or 0 when an attempt is allowed. */
export function loginBlockedFor(username: string, ip: string, now = Date.now()): number {
  const keys = [`u:${username.toLowerCase()}`, `ip:${ip}`];
  const waits = keys.map((k) => {
    const list = recent(k, now);
    return list.length >= MAX_FAILURES ? Math.ceil((list[0] + WINDOW_MS - now) / 1000) : 0;
  });
  return Math.max(...waits);
}

export function recordLoginFailure(username: string, ip: string, now = Date.now()): void {
  for (const key of [`u:${username.toLowerCase()}`, `ip:${ip}`]) failures.set(key, [...recent(key, now), now]);
}

export function clearLoginFailures(username: string): void {
  failures.delete(`u:${username.toLowerCase()}`);
}
