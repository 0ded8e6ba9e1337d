// The simulator's traffic shape (pipelines/simulate/profiles.ts + the ministries' planned users),
// turned into SQL constants so ClickHouse can generate millions of rows with INSERT ... SELECT FROM
// numbers() in seconds. Generating 10M events one by one in JavaScript would take longer than the
// whole bench budget; drawing from the same distributions keeps the data shaped like pilot traffic.
import { MINISTRIES } from '../../../contracts/ministries.ts';
import {
  ACTIVE_PROBABILITY,
  JP_HOLIDAYS,
  MEAN_REQUESTS_PER_ACTIVE_DAY,
  MODELS,
  SIM_APPS,
  WEEKDAY_HOUR_WEIGHTS,
  WEEKEND_HOUR_WEIGHTS,
  appMixFor,
} from '../../../pipelines/simulate/profiles.ts';

export interface TrafficShape {
  /** First simulated day (UTC date, YYYY-MM-DD) and the number of days. */
  startDay: string;
  days: number;
  ministries: string[];
  /** Cumulative planned users per ministry: a user index below cum[i] belongs to ministry i. */
  cumUsers: number[];
  totalUsers: number;
  apps: string[];
  /** Per ministry, cumulative app shares (0..1). */
  cumApps: number[][];
  models: string[];
  cumModels: number[];
  /** Models of the failed requests: share × failure rate. */
  cumFailModels: number[];
  /** Overall share of requests that fail (error + refused). */
  failShare: number;
  /** Per model: P(error | failed) — the rest are refusals. */
  errorGivenFail: number[];
  firstTokenMs: number[];
  perTokenMs: number[];
  latencySigma: number[];
  /** Cumulative weight of each day (weekday vs weekend/holiday activity). */
  cumDays: number[];
  /** Each day's share of the requests (the differences of cumDays). */
  dayShare: number[];
  /** Mean requests per active user and day: a day's requests come from about requests / this many users. */
  requestsPerActiveDay: number;
  weekendDay: number[];
  cumHourWeekday: number[];
  cumHourWeekend: number[];
}

function cumulative(weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let s = 0;
  const out = weights.map((w) => (s += w) / total);
  out[out.length - 1] = 1.0000001; // a uniform draw in [0,1) always finds a bucket
  return out;
}

function addDays(day: string, n: number): Date {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d;
}

export function trafficShape(startDay: string, days: number): TrafficShape {
  const ministries = MINISTRIES.map((m) => m.code);
  let acc = 0;
  const cumUsers = MINISTRIES.map((m) => (acc += m.planned_users));
  const apps = [...SIM_APPS];
  const cumApps = ministries.map((code) => {
    const mix = appMixFor(code);
    return cumulative(apps.map((a) => mix.share(a)));
  });
  const failRate = MODELS.map((m) => m.errorRate + m.refusalRate);
  const shareTotal = MODELS.reduce((s, m) => s + m.share, 0);
  const failShare = MODELS.reduce((s, m, i) => s + (m.share / shareTotal) * failRate[i], 0);
  const dayWeights: number[] = [];
  const weekendDay: number[] = [];
  for (let i = 0; i < days; i++) {
    const d = addDays(startDay, i);
    const iso = d.toISOString().slice(0, 10);
    const off = d.getUTCDay() === 0 || d.getUTCDay() === 6 || JP_HOLIDAYS.has(iso);
    weekendDay.push(off ? 1 : 0);
    dayWeights.push(off ? ACTIVE_PROBABILITY.weekend : ACTIVE_PROBABILITY.weekday);
  }
  return {
    startDay,
    days,
    ministries,
    cumUsers,
    totalUsers: acc,
    apps,
    cumApps,
    models: MODELS.map((m) => m.name),
    cumModels: cumulative(MODELS.map((m) => m.share)),
    cumFailModels: cumulative(MODELS.map((m, i) => m.share * failRate[i])),
    failShare,
    errorGivenFail: MODELS.map((m, i) => m.errorRate / failRate[i]),
    firstTokenMs: MODELS.map((m) => m.firstTokenMs),
    perTokenMs: MODELS.map((m) => m.perTokenMs),
    latencySigma: MODELS.map((m) => m.latencySigma),
    cumDays: cumulative(dayWeights),
    dayShare: dayWeights.map((w) => w / dayWeights.reduce((a, b) => a + b, 0)),
    requestsPerActiveDay: MEAN_REQUESTS_PER_ACTIVE_DAY,
    weekendDay,
    cumHourWeekday: cumulative(WEEKDAY_HOUR_WEIGHTS),
    cumHourWeekend: cumulative(WEEKEND_HOUR_WEIGHTS),
  };
}
