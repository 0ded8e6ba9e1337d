// The shape of pilot traffic: which apps and models are used how much, how fast and how reliably
// each model answers, and when civil servants work. Figures are plausible planning assumptions for
// a demo, not measurements.
import { Weighted } from './prng.ts';

export const SIM_APPS = ['chat', 'drafting', 'translation', 'proofreading', 'diet_response_search', 'legal_research'] as const;
export type SimApp = (typeof SIM_APPS)[number];

/** Government-wide app mix; a ministry's own focus (below) tilts it. */
const BASE_APP_WEIGHTS: Record<SimApp, number> = {
  chat: 34,
  drafting: 20,
  translation: 10,
  proofreading: 14,
  diet_response_search: 12,
  legal_research: 10,
};

/** Ministries whose work leans on one app: Justice on legal research, MOFA on translation, and so on. */
const MINISTRY_APP_TILT: Record<string, Partial<Record<SimApp, number>>> = {
  moj: { legal_research: 2.6 },
  ppc: { legal_research: 2.0 },
  jftc: { legal_research: 2.2 },
  mofa: { translation: 3.0 },
  cas: { diet_response_search: 2.2 },
  cao: { diet_response_search: 1.6 },
  mof: { diet_response_search: 1.8, drafting: 1.2 },
  mhlw: { diet_response_search: 1.5, drafting: 1.3 },
  da: { chat: 1.4, translation: 1.3 },
  npa: { legal_research: 1.5 },
  fsa: { legal_research: 1.5, translation: 1.3 },
};

export function appMixFor(ministry: string): Weighted<SimApp> {
  const tilt = MINISTRY_APP_TILT[ministry] ?? {};
  return new Weighted(SIM_APPS.map((app) => [app, BASE_APP_WEIGHTS[app] * (tilt[app] ?? 1)] as const));
}

export interface ModelProfile {
  name: string;
  share: number;
  /** median time to first token, ms */
  firstTokenMs: number;
  /** ms per output token (decode speed) */
  perTokenMs: number;
  /** log-space spread of latency */
  latencySigma: number;
  errorRate: number;
  refusalRate: number;
  /** how much more (or less) often this model's answers carry a hallucinated citation than average */
  hallucinationFactor: number;
}

/** Several domestic models side by side: a large slow accurate one, a tiny fast one that errs more. */
export const MODELS: readonly ModelProfile[] = [
  { name: 'tsuzumi-2', share: 30, firstTokenMs: 420, perTokenMs: 14, latencySigma: 0.35, errorRate: 0.006, refusalRate: 0.012, hallucinationFactor: 0.8 },
  { name: 'plamo-2-prime', share: 24, firstTokenMs: 380, perTokenMs: 12, latencySigma: 0.4, errorRate: 0.009, refusalRate: 0.008, hallucinationFactor: 1.0 },
  { name: 'cotomi-v3', share: 20, firstTokenMs: 350, perTokenMs: 11, latencySigma: 0.35, errorRate: 0.007, refusalRate: 0.01, hallucinationFactor: 0.9 },
  { name: 'llm-jp-3-172b', share: 14, firstTokenMs: 900, perTokenMs: 28, latencySigma: 0.5, errorRate: 0.022, refusalRate: 0.006, hallucinationFactor: 1.1 },
  { name: 'tinyswallow-1.5b', share: 12, firstTokenMs: 90, perTokenMs: 4, latencySigma: 0.3, errorRate: 0.004, refusalRate: 0.004, hallucinationFactor: 1.9 },
];

export function modelMix(models: readonly ModelProfile[] = MODELS): Weighted<ModelProfile> {
  return new Weighted(models.map((m) => [m, m.share] as const));
}

/** Normalises hallucination factors so the mix as a whole hits the configured rate. */
export function hallucinationScale(models: readonly ModelProfile[] = MODELS): Map<string, number> {
  const total = models.reduce((s, m) => s + m.share, 0);
  const mean = models.reduce((s, m) => s + (m.share / total) * m.hallucinationFactor, 0);
  return new Map(models.map((m) => [m.name, m.hallucinationFactor / mean]));
}

/**
 * Requests by JST hour on a working day: a morning peak, a lunch dip, an afternoon plateau and the
 * long tail of Kasumigaseki evenings (Diet answer preparation runs late).
 */
export const WEEKDAY_HOUR_WEIGHTS = [
  0.3, 0.15, 0.08, 0.05, 0.05, 0.1, 0.3, 1.2, 4.5, 9.5, 11.5, 10.5, 4.5, 9.0, 10.5, 10.5, 10.0, 8.0, 5.5, 3.8, 2.6, 1.6, 0.9, 0.5,
];
/** Weekends: a handful of people, mostly midday. */
export const WEEKEND_HOUR_WEIGHTS = [
  0.2, 0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.5, 2.0, 2.0, 1.5, 1.8, 2.0, 1.8, 1.5, 1.2, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2,
];

/** Probability that an adopted user uses the platform on a given day. */
export const ACTIVE_PROBABILITY = { weekday: 0.62, weekend: 0.035, holiday: 0.03 } as const;
/** Mean requests per active user per day (heavy users exist: see user intensity). */
export const MEAN_REQUESTS_PER_ACTIVE_DAY = 7;

/** Japanese national holidays in the simulated window (2026-2027), treated like weekends. */
export const JP_HOLIDAYS = new Set([
  '2026-01-01', '2026-01-12', '2026-02-11', '2026-02-23', '2026-03-20', '2026-04-29', '2026-05-03', '2026-05-04',
  '2026-05-05', '2026-05-06', '2026-07-20', '2026-08-11', '2026-09-21', '2026-09-22', '2026-09-23', '2026-10-12',
  '2026-11-03', '2026-11-23', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-11', '2027-02-11',
  '2027-02-23', '2027-03-22',
]);
