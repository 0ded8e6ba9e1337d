// /metrics counters of the two access limits that are kept in memory per process: the sign-in throttle
// (auth/throttle.ts) and the read API's rate limit per token (api/rate-limit.ts). With several
// `oversight serve` processes each keeps and reports its own counts; Prometheus sums them per job.
//
// Registered in prom-client's default registry: the dashboard runs bundled (build/handler.js) while
// prom-client stays an external module (vite.config.ts ssr.external), so service/metrics-endpoint.ts
// reads this same registry without importing dashboard code. getSingleMetric() keeps a second load of
// this module in one process from registering the names twice.
import { Counter, Gauge, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[] = []): Counter {
  return (register.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, labelNames });
}

function gauge(name: string, help: string): Gauge {
  return (register.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help });
}

export const accessLimitMetrics = {
  loginFailures: counter('oversight_login_failures_total', 'Failed password sign-ins counted by the sign-in throttle of this process'),
  loginThrottled: counter(
    'oversight_login_throttled_total',
    'Sign-in attempts refused by the throttle of this process, per limit (account_address or address)',
    ['limit'],
  ),
  loginThrottleKeys: gauge('oversight_login_throttle_keys', 'Account+address and address keys the sign-in throttle of this process holds'),
  apiRateLimited: counter('oversight_api_rate_limited_total', 'Read-API requests refused (429) by the per-token rate limit of this process'),
};
