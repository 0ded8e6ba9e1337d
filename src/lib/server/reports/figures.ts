// The figures of a report, computed once at generation and stored as they are. Every period figure is
// computed for the report's period and for the period before it, with the same functions, so the
// page can show the change. Nothing here reads text except the notable incidents' masked excerpts,
// which are only gathered when the author may read raw text of the scope.
import type { ClickHouseClient } from '../queries/db.ts';
import { ratio } from '../queries/db.ts';
import { SEVERITY_RANK, type Severity } from '../../../../contracts/severities.ts';
import { MINISTRIES } from '../../../../contracts/ministries.ts';
import type { ReportKind } from '../../../../contracts/reports.ts';
import { addDays, dayRange } from '../queries/filters.ts';
import { PERSPECTIVES } from './aisi.ts';
import type { TargetPoint } from './config.ts';
import { dashboardFigures, incidentEvidence, mauSamples, reportFilters, watermarks, type DashboardFigures, type RuleQuality } from './dashboard.ts';
import { maskedExcerpt } from './excerpt.ts';
import type { Period } from './period.ts';
import { daysWithUsage, dlqInPeriod, flagVersions, incidentFlow, incidentOutputId, incidentTally, latestEventTime, type DlqCount, type IncidentFlow, type VersionUse } from './queries.ts';
import { ANY_EVALUATOR, reviewEstimates, type ReviewEstimates } from '../review/estimates.ts';
import { projectDate, slopePerDay, targetOn, type Projection } from './rollout.ts';
import { wilson, type Interval } from './stats.ts';

export interface PeriodFigures extends DashboardFigures {
  from: string;
  to: string;
  flow: IncidentFlow;
  /** Findings per category over the period, per 1,000 outputs. */
  riskByCategory: { category: string; flags: number; per_1000: number | null }[];
  riskBySeverity: { severity: string; flags: number; per_1000: number | null }[];
}

export interface PerspectiveFigures {
  id: string;
  measured: boolean;
  findings: number;
  per_1000: number | null;
  previous_per_1000: number | null;
  outputs_flagged: number;
  incidents: number;
  reviewed: number;
  confirmed: number;
  precision: number | null;
  precision_ci: Interval | null;
  /**
   * The recall of the perspective's one category (null for a perspective drawing on several, or without
   * enough labels); `recall_by_category` has each category's recall. Reports stored before recall was
   * filled have neither (recall null, recall_by_category absent).
   */
  recall: number | null;
  recall_ci: Interval | null;
  recall_by_category?: RecallFigure[];
  rules: { evaluator: string; rule_id: string; findings: number; reviewed: number; confirmed: number; precision: number | null }[];
}

/**
 * One category's recall from the labelled review samples of the report's period and scope, every
 * evaluator together (the /evaluators page's "any evaluator" row): the estimate with its 95 % interval,
 * weighted by the sample's strata. recall null: no labelled item had a finding of the category.
 */
export interface RecallFigure {
  category: string;
  recall: number | null;
  recall_ci: Interval | null;
  /** Items labelled for the category, and those in which a reviewer found it (recall's denominator). */
  labeled: number;
  human_found: number;
  /** Found by a reviewer, not flagged by any evaluator. */
  missed: number;
  /** Rests on fewer than `min_labels` labels: indicative only, as the /evaluators page warns. */
  few_labels: boolean;
  min_labels: number;
}

export interface RolloutMinistry {
  ministry: string;
  mau: number;
  previous_mau: number;
  planned: number;
  adoption_pct: number | null;
  /** This ministry's share of the target curve on the period's last day. */
  target: number | null;
  slope_per_day: number | null;
  projection: Projection;
}

export interface NotableIncident {
  incident_id: string;
  ministry: string;
  app: string;
  model: string;
  category: string;
  severity: string;
  rule_ids: string[];
  status: string;
  opened_at: string;
  /** Masked excerpt of the evidence ('' when the output's text has expired). */
  excerpt: string;
}

export interface ReportFigures {
  current: PeriodFigures;
  previous: PeriodFigures;
  rollout: {
    as_of: string;
    curve: TargetPoint[];
    target: number | null;
    previous_target: number | null;
    total_mau: number;
    total_planned: number;
    total_slope_per_day: number | null;
    total_projection_plan: Projection;
    /** When the scope reaches the curve's last (final) target at the current trend. */
    total_projection_final: Projection;
    samples: { day: string; mau: number }[];
    ministries: RolloutMinistry[];
  };
  perspectives: PerspectiveFigures[];
  notable: {
    by_severity: Record<string, number>;
    by_category: Record<string, number>;
    /** False when the author could not read raw text of the scope: then only the counts are stored. */
    excerpts_included: boolean;
    items: NotableIncident[];
  };
  caveats: {
    days_without_usage: string[];
    dlq: DlqCount[];
    previous_dlq: DlqCount[];
    flag_versions: VersionUse[];
    watermarks: { evaluator: string; evaluator_version: string; watermark_at: string; backlog: number; errors: number }[];
    catalog_versions: string[];
    /** Evaluators whose read position is before the period's end: the period's late outputs are not all evaluated yet. */
    evaluation_behind: string[];
    /** Ingest delay at generation (absent in reports stored before it was recorded). */
    ingest?: IngestCaveat;
  };
}

/**
 * How far the pipeline had delivered when the report was generated: the latest stored event time
 * against the period's end. `behind_seconds` > 0 with the period over: the period's last events may
 * still arrive (a pipeline delay), and the late figures may grow.
 */
export interface IngestCaveat {
  /** Latest event time (occurred_at, UTC) stored from the period's start on; null: none. */
  latest_event_at: string | null;
  /** The instant the period ends (the day after its last day, 00:00 UTC). */
  period_end: string;
  generated_at: string;
  /** period_end − latest_event_at in seconds, 0 when events past the end are stored; null without events. */
  behind_seconds: number | null;
  /** The period had not ended at generation. */
  period_open: boolean;
}

export function ingestCaveat(latest: string | null, periodEnd: string, now: Date): IngestCaveat {
  const end = Date.parse(periodEnd);
  return {
    latest_event_at: latest,
    period_end: new Date(end).toISOString(),
    generated_at: now.toISOString(),
    behind_seconds: latest === null ? null : Math.max(0, Math.round((end - Date.parse(latest)) / 1000)),
    period_open: now.getTime() < end,
  };
}

/** Each category's recall (every evaluator together) from the review estimates. */
export function recallFigures(estimates: ReviewEstimates): RecallFigure[] {
  return estimates.rows
    .filter((r) => r.group === 'all' && r.evaluator === ANY_EVALUATOR)
    .map((r) => ({
      category: r.category,
      recall: r.recall?.estimate ?? null,
      recall_ci: r.recall ? { low: r.recall.low, high: r.recall.high, level: 0.95 } : null,
      labeled: r.labeled,
      human_found: r.humanFound,
      missed: r.missed,
      few_labels: r.fewLabels,
      min_labels: estimates.minLabels,
    }));
}

function per1000(n: number, outputs: number): number | null {
  return ratio(n, outputs, 1000);
}

function sumFlags<K extends 'category' | 'severity'>(cells: { category: string; severity: string; flags: number }[], key: K, outputs: number) {
  const m = new Map<string, number>();
  for (const c of cells) m.set(c[key], (m.get(c[key]) ?? 0) + c.flags);
  return [...m].map(([k, flags]) => ({ [key]: k, flags, per_1000: per1000(flags, outputs) }) as { [P in K]: string } & { flags: number; per_1000: number | null });
}

async function periodFigures(client: ClickHouseClient, p: { from: string; to: string }, ministry: string | null, planned: Map<string, number>): Promise<PeriodFigures> {
  const f = reportFilters(p.from, p.to, ministry);
  const [d, flow] = await Promise.all([dashboardFigures(client, f, planned), incidentFlow(client, { from: p.from, to: p.to, ministry })]);
  const outputs = d.totals.outputs;
  const bySeverity = sumFlags(d.riskTable, 'severity', outputs).sort((a, b) => (SEVERITY_RANK[b.severity as Severity] ?? 0) - (SEVERITY_RANK[a.severity as Severity] ?? 0));
  return {
    ...d,
    from: p.from,
    to: p.to,
    flow,
    riskByCategory: sumFlags(d.riskTable, 'category', outputs).sort((a, b) => a.category.localeCompare(b.category)),
    riskBySeverity: bySeverity,
  };
}

function perspectiveFigures(cur: PeriodFigures, prev: PeriodFigures, recalls: RecallFigure[]): PerspectiveFigures[] {
  return PERSPECTIVES.map((p) => {
    if (!p.matches) {
      return { id: p.id, measured: false, findings: 0, per_1000: null, previous_per_1000: null, outputs_flagged: 0, incidents: 0, reviewed: 0, confirmed: 0, precision: null, precision_ci: null, recall: null, recall_ci: null, rules: [] };
    }
    const mine = (rules: RuleQuality[]) => rules.filter((r) => p.matches!({ evaluator: r.evaluator, category: r.category, rule_id: r.rule_id }));
    const rules = mine(cur.rules);
    const sum = (k: 'findings' | 'outputs' | 'incidents' | 'reviewed' | 'confirmed', rs: RuleQuality[]) => rs.reduce((a, r) => a + r[k], 0);
    const findings = sum('findings', rules);
    const reviewed = sum('reviewed', rules);
    const confirmed = sum('confirmed', rules);
    const empty = (category: string): RecallFigure => ({ category, recall: null, recall_ci: null, labeled: 0, human_found: 0, missed: 0, few_labels: true, min_labels: 0 });
    const recall = (p.categories ?? []).map((c) => recalls.find((r) => r.category === c) ?? empty(c));
    const single = recall.length === 1 ? recall[0] : null;
    return {
      id: p.id,
      measured: true,
      findings,
      per_1000: per1000(findings, cur.totals.outputs),
      previous_per_1000: per1000(sum('findings', mine(prev.rules)), prev.totals.outputs),
      outputs_flagged: sum('outputs', rules),
      incidents: sum('incidents', rules),
      reviewed,
      confirmed,
      precision: ratio(confirmed, reviewed),
      precision_ci: reviewed > 0 ? wilson(confirmed, reviewed) : null,
      recall: single?.recall ?? null,
      recall_ci: single?.recall_ci ?? null,
      recall_by_category: recall,
      rules: rules
        .filter((r) => r.findings > 0 || r.reviewed > 0)
        .map((r) => ({ evaluator: r.evaluator, rule_id: r.rule_id, findings: r.findings, reviewed: r.reviewed, confirmed: r.confirmed, precision: r.precision })),
    };
  });
}

/** MAU samples every 30 days back from the period's end: the points the trend line is fitted to. */
const TREND_SAMPLES = 4;

async function rolloutFigures(
  client: ClickHouseClient,
  cur: PeriodFigures,
  prev: PeriodFigures,
  ministry: string | null,
  planned: Map<string, number>,
  curve: TargetPoint[],
): Promise<ReportFigures['rollout']> {
  const days = Array.from({ length: TREND_SAMPLES }, (_, i) => addDays(cur.to, -30 * (TREND_SAMPLES - 1 - i)));
  const samples = await mauSamples(client, reportFilters(cur.from, cur.to, ministry), days);
  const allPlanned = [...planned.values()].reduce((a, b) => a + b, 0);
  const codes = ministry ? [ministry] : MINISTRIES.map((m) => m.code);
  const target = targetOn(curve, cur.to);
  const prevMau = new Map(prev.ministries.map((m) => [m.ministry, m.mau]));
  const ministries = cur.ministries
    .filter((m) => codes.includes(m.ministry))
    .map((m): RolloutMinistry => {
      const slope = slopePerDay(samples.map((s) => ({ day: s.day, value: s.mau.get(m.ministry) ?? 0 })));
      return {
        ministry: m.ministry,
        mau: m.mau,
        previous_mau: prevMau.get(m.ministry) ?? 0,
        planned: m.planned_users,
        adoption_pct: m.adoption_pct,
        target: target === null || allPlanned === 0 ? null : Math.round((target * m.planned_users) / allPlanned),
        slope_per_day: slope,
        projection: projectDate(m.mau, m.planned_users, slope, cur.to),
      };
    });
  const totals = samples.map((s) => ({ day: s.day, mau: codes.reduce((a, c) => a + (s.mau.get(c) ?? 0), 0) }));
  const totalSlope = slopePerDay(totals.map((t) => ({ day: t.day, value: t.mau })));
  const totalPlanned = codes.reduce((a, c) => a + (planned.get(c) ?? 0), 0);
  const share = (v: number | null) => (v === null || allPlanned === 0 ? null : Math.round((v * totalPlanned) / allPlanned));
  const finalTarget = share(curve.length ? curve[curve.length - 1].users : null);
  return {
    as_of: cur.to,
    curve,
    target: share(target),
    previous_target: share(targetOn(curve, prev.to)),
    total_mau: cur.active.mau,
    total_planned: totalPlanned,
    total_slope_per_day: totalSlope,
    total_projection_plan: projectDate(cur.active.mau, totalPlanned, totalSlope, cur.to),
    total_projection_final: projectDate(cur.active.mau, finalTarget ?? 0, totalSlope, cur.to),
    samples: totals,
    ministries,
  };
}

/** Incidents of severity high or above: counted for everyone, listed (with masked excerpts) for readers of raw text. */
async function notableIncidents(client: ClickHouseClient, cur: PeriodFigures, ministry: string | null, withExcerpts: boolean): Promise<ReportFigures['notable']> {
  const tally = (await incidentTally(client, { from: cur.from, to: cur.to, ministry })).filter((t) => isNotable(t.severity));
  const by = (k: 'severity' | 'category') => tally.reduce<Record<string, number>>((a, t) => ((a[t[k]] = (a[t[k]] ?? 0) + t.incidents), a), {});
  const out: NotableIncident[] = [];
  if (withExcerpts) {
    for (const i of cur.topIncidents.filter((x) => isNotable(x.severity))) {
      out.push({
        incident_id: i.incident_id, ministry: i.ministry, app: i.app, model: i.model, category: i.category,
        severity: i.severity, rule_ids: i.rule_ids, status: i.status, opened_at: i.opened_at,
        excerpt: await excerptOf(client, i.incident_id),
      });
    }
  }
  return { by_severity: by('severity'), by_category: by('category'), excerpts_included: withExcerpts, items: out };
}

function isNotable(severity: string): boolean {
  return (SEVERITY_RANK[severity as Severity] ?? 0) >= SEVERITY_RANK.high;
}

async function excerptOf(client: ClickHouseClient, incidentId: string): Promise<string> {
  const outputId = await incidentOutputId(client, incidentId);
  if (!outputId) return '';
  const { output, flags } = await incidentEvidence(client, outputId);
  const flag = flags.find((f) => f.evidence.length > 0 && f.severity !== 'info');
  if (!output || !flag) return '';
  const ev = flag.evidence[0];
  return maskedExcerpt({ text: flag.where === 'prompt' ? output.prompt : output.response, start: ev.start, end: ev.end, secret: flag.category === 'leakage' });
}

async function caveats(client: ClickHouseClient, cur: PeriodFigures, prev: PeriodFigures, ministry: string | null, now: Date): Promise<ReportFigures['caveats']> {
  const scope = { from: cur.from, to: cur.to, ministry };
  const [used, dlq, previousDlq, versions, marks, latest] = await Promise.all([
    daysWithUsage(client, scope),
    dlqInPeriod(client, scope),
    dlqInPeriod(client, { from: prev.from, to: prev.to, ministry }),
    flagVersions(client, scope),
    watermarks(client),
    latestEventTime(client, cur.from),
  ]);
  const seen = new Set(used);
  const catalogs = new Set<string>();
  for (const v of [...versions.map((x) => x.evaluator_version), ...marks.map((m) => m.evaluator_version)]) {
    const m = /\+catalog\.([\w.-]+)/.exec(v);
    if (m) catalogs.add(m[1]);
  }
  const periodEnd = `${addDays(cur.to, 1)} 00:00:00`;
  return {
    days_without_usage: dayRange(cur.from, cur.to).filter((d) => !seen.has(d)),
    dlq,
    previous_dlq: previousDlq,
    flag_versions: versions,
    watermarks: marks.map(({ evaluator, evaluator_version, watermark_at, backlog, errors }) => ({ evaluator, evaluator_version, watermark_at, backlog, errors })),
    catalog_versions: [...catalogs].sort(),
    evaluation_behind: marks.filter((m) => m.watermark_at < periodEnd).map((m) => m.evaluator),
    ingest: ingestCaveat(latest, `${addDays(cur.to, 1)}T00:00:00Z`, now),
  };
}

export interface BuildOptions {
  kind: ReportKind;
  period: Period;
  previous: Period;
  ministry: string | null;
  planned: Map<string, number>;
  curve: TargetPoint[];
  /** May the author read raw text of the whole scope (masked excerpts of notable incidents)? */
  withExcerpts: boolean;
  /** The generation time (the ingest caveat compares the period's end with it); default now. */
  now?: Date;
}

export async function buildFigures(client: ClickHouseClient, o: BuildOptions): Promise<ReportFigures> {
  const [cur, prev] = await Promise.all([
    periodFigures(client, o.period, o.ministry, o.planned),
    periodFigures(client, o.previous, o.ministry, o.planned),
  ]);
  const [rollout, notable, cav, estimates] = await Promise.all([
    rolloutFigures(client, cur, prev, o.ministry, o.planned, o.curve),
    notableIncidents(client, cur, o.ministry, o.withExcerpts && o.kind !== 'rollout'),
    caveats(client, cur, prev, o.ministry, o.now ?? new Date()),
    // The /evaluators page's review estimates for the same period and scope (aggregates, no raw text).
    reviewEstimates(client, reportFilters(o.period.from, o.period.to, o.ministry)),
  ]);
  return { current: cur, previous: prev, rollout, perspectives: perspectiveFigures(cur, prev, recallFigures(estimates)), notable, caveats: cav };
}
