// Requests per API token per minute (API_RATE_LIMIT_PER_MINUTE), counted in this process (with several
// `serve` processes behind a balancer a token gets the limit once per process). A fixed one-minute
// window is enough to stop a runaway script; the answer says when to come back. Refusals are counted
// on /metrics (oversight_api_rate_limited_total).
import { accessLimitMetrics } from '../access-limit-metrics.ts';

const windows = new Map<string, { start: number; count: number }>();

/** undefined when allowed; otherwise the seconds until the next window. */
export function rateLimited(key: string, perMinute: number, now = Date.now()): number | undefined {
  const w = windows.get(key);
  if (!w || now - w.start >= 60_000) {
    windows.set(key, { start: now, count: 1 });
    if (windows.size > 10_000) for (const [k, v] of windows) if (now - v.start >= 60_000) windows.delete(k);
    return undefined;
  }
  if (w.count >= perMinute) {
    accessLimitMetrics.apiRateLimited.inc();
    return Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
  }
  w.count++;
  return undefined;
}
