// Retrying a ClickHouse or Kafka write until it succeeds: an outage must stall the pipeline (and keep
// offsets uncommitted), never drop data. Exponential backoff with jitter, capped, until aborted.

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}
export const DEFAULT_RETRY: RetryPolicy = { initialMs: 200, maxMs: 30_000 };

export class AbortedError extends Error {
  override name = 'AbortedError';
}

export interface RetryHooks {
  /** Called after each failed attempt, before sleeping `delayMs`. */
  onFailure?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Called once when an attempt succeeds after at least one failure. */
  onRecovered?: (attempts: number) => void;
  signal?: AbortSignal;
}

export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortedError('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function retryForever<T>(fn: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, hooks: RetryHooks = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (hooks.signal?.aborted) throw new AbortedError('aborted before the write succeeded');
    try {
      const result = await fn();
      if (attempt > 1) hooks.onRecovered?.(attempt);
      return result;
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      const delay = backoffDelay(attempt, policy);
      hooks.onFailure?.(err, attempt, delay);
      await sleep(delay, hooks.signal);
    }
  }
}
