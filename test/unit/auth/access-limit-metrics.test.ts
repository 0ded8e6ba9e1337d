// Issue 9: the sign-in throttle and the read API's rate limit are kept per process; /metrics shows what
// each process counted. The dashboard's counters sit in prom-client's default registry, which
// `oversight serve`'s /metrics (service/metrics-endpoint.ts) merges, so they appear there.
import { describe, expect, it } from 'vitest';
import { metricsText } from '../../../service/metrics-endpoint.ts';
import { clearLoginFailures, countThrottled, FREE_FAILURES, loginThrottle, recordLoginFailure } from '../../../src/lib/server/auth/throttle.ts';
import { rateLimited } from '../../../src/lib/server/api/rate-limit.ts';

const value = (body: string, series: string) => {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('/metrics counts the per-process access limits', () => {
  it('shows sign-in failures, refusals per limit, keys held and API rate-limit refusals', async () => {
    const before = (await metricsText()).body;
    expect(value(before, 'oversight_login_failures_total')).toBe(0);
    expect(value(before, 'oversight_api_rate_limited_total')).toBe(0);

    const t0 = Date.parse('2026-12-04T00:00:00Z');
    for (let i = 0; i <= FREE_FAILURES; i++) recordLoginFailure('alice', '192.0.2.1', t0 + i);
    const refused = loginThrottle('alice', '192.0.2.1', t0 + FREE_FAILURES + 1);
    expect(refused).toMatchObject({ reason: 'account_address' });
    countThrottled(refused);
    countThrottled(loginThrottle('bob', '192.0.2.9', t0)); // allowed: not counted
    for (let i = 0; i < 4; i++) rateLimited('token-1', 2, t0 + i); // two allowed, two refused

    const after = (await metricsText()).body;
    expect(value(after, 'oversight_login_failures_total')).toBe(FREE_FAILURES + 1);
    expect(value(after, 'oversight_login_throttled_total{limit="account_address"}')).toBe(1);
    expect(value(after, 'oversight_login_throttled_total{limit="address"}')).toBeUndefined();
    expect(value(after, 'oversight_login_throttle_keys')).toBe(2); // alice+address, and the address
    expect(value(after, 'oversight_api_rate_limited_total')).toBe(2);
    // The pipeline's and the process's metrics are still there beside them.
    expect(after).toContain('oversight_ingest_consumed_total');
    expect(after).toContain('oversight_process_cpu_seconds_total');

    clearLoginFailures('alice', '192.0.2.1');
    expect(value((await metricsText()).body, 'oversight_login_throttle_keys')).toBe(1);
  });
});
