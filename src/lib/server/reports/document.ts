// A stored report laid out as a document: sections of headings, key figures with their change against
// the previous period, tables, notes and charts, already worded in the reader's language. The print
// page (Svelte) and the Markdown download both render this one layout, so they never disagree; it is
// derived from the stored figures only, never from the live tables.
import { DASH, fmtInt, fmtNum, fmtPct, fmtRatioPct } from '../../format.ts';
import { categoryName, ministryName, severityName, t, type Lang } from '../../i18n/index.ts';
import { PERSPECTIVES } from './aisi.ts';
import type { PeriodFigures, PerspectiveFigures, ReportFigures } from './figures.ts';
import { targetOn, type Projection } from './rollout.ts';
import type { StoredReport } from './store.ts';

export interface Kpi {
  label: string;
  value: string;
  /** The change against the previous period, worded (e.g. "+12 (+8.3%)", "+0.40 pt"). */
  change: string;
  note?: string;
}

export type Block =
  | { type: 'p'; text: string; tone?: 'note' | 'warn' | 'muted' }
  | { type: 'kpis'; items: Kpi[] }
  /** `wide`: the one column that takes the remaining width and wraps; the others keep to one line. */
  | { type: 'table'; caption: string; head: string[]; rows: string[][]; numeric: boolean[]; wide?: number }
  | {
      type: 'radar';
      title: string;
      axes: { label: string; value: number; previous: number | null; text: string }[];
      legend: { current: string; previous: string };
    }
  | {
      type: 'trend';
      title: string;
      actual: { day: string; value: number }[];
      target: { day: string; value: number }[];
      legend: { actual: string; target: string };
    };

export interface DocSection {
  id: string;
  level: 2 | 3;
  title: string;
  /** Starts a new printed page. */
  pageBreak: boolean;
  blocks: Block[];
}

export interface ReportDocument {
  lang: Lang;
  title: string;
  reportId: string;
  version: number;
  scope: string;
  period: string;
  /** The period's first and last day, for the running header. */
  periodRange: string;
  previousPeriod: string;
  created: string;
  author: string;
  hash: string;
  hashVerified: boolean;
  sections: DocSection[];
}

// ---- wording of numbers and changes ------------------------------------------------------------

function signed(n: number, digits = 0): string {
  const s = fmtNum(Math.abs(n), digits);
  return n > 0 ? `+${s}` : n < 0 ? `−${s}` : `±${s}`;
}

/** A count's change: "+12 (+8.3%)"; without a previous count the relative change is left out. */
export function countChange(cur: number, prev: number): string {
  const d = cur - prev;
  if (prev === 0) return d === 0 ? '±0' : signed(d);
  return `${signed(d)} (${d >= 0 ? '+' : '−'}${fmtPct(Math.abs((d / prev) * 100))})`;
}

/** A rate's change (0..1 ratios) in percentage points. */
export function ratioChange(cur: number | null, prev: number | null): string {
  if (cur === null || prev === null) return DASH;
  return `${signed((cur - prev) * 100, 2)} pt`;
}

/** A change of values already in percent, in points. */
export function pctChange(cur: number | null, prev: number | null): string {
  if (cur === null || prev === null) return DASH;
  return `${signed(cur - prev, 1)} pt`;
}

export function numChange(cur: number | null, prev: number | null, digits = 2): string {
  if (cur === null || prev === null) return DASH;
  return signed(cur - prev, digits);
}

function hours(v: number | null, lang: Lang): string {
  return v === null ? DASH : t(lang, 'reports.m.hours', { n: fmtNum(v, 1) });
}

function projection(p: Projection, lang: Lang): string {
  if (p.status === 'reached') return t(lang, 'reports.proj.reached');
  if (p.status === 'not_on_trend') return t(lang, 'reports.proj.not_on_trend');
  return t(lang, 'reports.proj.date', { day: p.day });
}

// ---- sections ------------------------------------------------------------------------------------

type Tr = (key: string, vars?: Record<string, string | number>) => string;

function summaryKpis(c: PeriodFigures, p: PeriodFigures, tr: Tr): Kpi[] {
  const findings = (x: PeriodFigures) => x.riskBySeverity.reduce((a, r) => a + r.flags, 0);
  const per1000 = (x: PeriodFigures) => (x.totals.outputs > 0 ? (findings(x) / x.totals.outputs) * 1000 : null);
  const requests = (x: PeriodFigures) => x.byApp.reduce((a, r) => a + r.requests, 0);
  return [
    { label: tr('reports.m.mau'), value: fmtInt(c.active.mau), change: countChange(c.active.mau, p.active.mau) },
    { label: tr('reports.m.adoption'), value: fmtPct(c.adoption.pct), change: pctChange(c.adoption.pct, p.adoption.pct), note: `${tr('reports.m.planned')} ${fmtInt(c.adoption.planned)}` },
    { label: tr('reports.m.requests'), value: fmtInt(requests(c)), change: countChange(requests(c), requests(p)) },
    { label: tr('reports.m.findings_per_1000'), value: fmtNum(per1000(c), 2), change: numChange(per1000(c), per1000(p)) },
    { label: tr('reports.m.opened'), value: fmtInt(c.flow.opened), change: countChange(c.flow.opened, p.flow.opened) },
    { label: tr('reports.m.open_critical'), value: fmtInt(c.flow.open_critical), change: countChange(c.flow.open_critical, p.flow.open_critical) },
  ];
}

function rolloutBlocks(r: ReportFigures['rollout'], c: PeriodFigures, p: PeriodFigures, tr: Tr, lang: Lang, compact = false): Block[] {
  const gap = r.target === null ? null : c.active.mau - r.target;
  const blocks: Block[] = [
    {
      type: 'kpis',
      items: [
        { label: tr('reports.m.mau'), value: fmtInt(c.active.mau), change: countChange(c.active.mau, p.active.mau) },
        { label: tr('reports.m.planned'), value: fmtInt(r.total_planned), change: DASH },
        { label: tr('reports.m.adoption'), value: fmtPct(c.adoption.pct), change: pctChange(c.adoption.pct, p.adoption.pct) },
        { label: tr('reports.m.target'), value: r.target === null ? DASH : fmtInt(r.target), change: r.target === null || r.previous_target === null ? DASH : countChange(r.target, r.previous_target) },
        { label: tr('reports.m.target_gap'), value: gap === null ? DASH : signed(gap), change: DASH },
        { label: tr('reports.m.projection'), value: projection(r.total_projection_plan, lang), change: DASH },
      ].slice(compact ? 3 : 0),
    },
    {
      type: 'p',
      text:
        r.target === null
          ? tr('reports.rollout.no_target')
          : tr('reports.rollout.lead', { to: r.as_of, mau: fmtInt(c.active.mau), planned: fmtInt(r.total_planned), pct: fmtPct(c.adoption.pct), target: fmtInt(r.target) }),
    },
    {
      type: 'p',
      tone: 'muted',
      text: tr('reports.rollout.total_projection', {
        n: r.samples.length,
        plan: projection(r.total_projection_plan, lang),
        final: fmtInt(r.curve.length ? r.curve[r.curve.length - 1].users : null),
        final_day: projection(r.total_projection_final, lang),
      }),
    },
  ];
  return blocks;
}

function trendBlock(r: ReportFigures['rollout'], tr: Tr, scopeShare: number): Block {
  // The curve drawn over the samples' span, as the scope's share of the platform-wide target.
  const days = r.samples.map((s) => s.day);
  const curveDays = [...new Set([...days, ...r.curve.map((c) => c.day).filter((d) => d >= days[0] && d <= days[days.length - 1])])].sort();
  const target = curveDays
    .map((day) => ({ day, value: targetOn(r.curve, day) }))
    .filter((x): x is { day: string; value: number } => x.value !== null)
    .map((x) => ({ day: x.day, value: Math.round(x.value * scopeShare) }));
  return {
    type: 'trend',
    title: tr('reports.rollout.chart'),
    actual: r.samples.map((s) => ({ day: s.day, value: s.mau })),
    target,
    legend: { actual: tr('reports.rollout.chart_mau'), target: tr('reports.rollout.chart_target') },
  };
}

function ministryTable(r: ReportFigures['rollout'], tr: Tr, lang: Lang): Block {
  return {
    type: 'table',
    caption: tr('reports.sec.rollout_ministries'),
    head: [tr('reports.col.ministry'), tr('reports.m.mau'), tr('reports.change'), tr('reports.m.planned'), tr('reports.m.adoption'), tr('reports.m.target'), tr('reports.m.trend'), tr('reports.m.projection')],
    numeric: [false, true, true, true, true, true, true, false],
    rows: r.ministries.map((m) => [
      ministryName(m.ministry, lang),
      fmtInt(m.mau),
      countChange(m.mau, m.previous_mau),
      fmtInt(m.planned),
      fmtPct(m.adoption_pct),
      m.target === null ? DASH : fmtInt(m.target),
      m.slope_per_day === null ? DASH : signed(m.slope_per_day * 30),
      projection(m.projection, lang),
    ]),
  };
}

function requestsTable(caption: string, keyHead: string, cur: PeriodFigures['byApp'], prev: PeriodFigures['byApp'], tr: Tr): Block {
  const before = new Map(prev.map((r) => [r.key, r.requests]));
  const keys = [...new Set([...cur.map((r) => r.key), ...prev.map((r) => r.key)])];
  const now = new Map(cur.map((r) => [r.key, r]));
  return {
    type: 'table',
    caption,
    head: [keyHead, tr('reports.m.requests'), tr('reports.change'), tr('reports.m.errors')],
    numeric: [false, true, true, true],
    rows: keys
      .sort((a, b) => (now.get(b)?.requests ?? 0) - (now.get(a)?.requests ?? 0) || a.localeCompare(b))
      .map((k) => [k, fmtInt(now.get(k)?.requests ?? 0), countChange(now.get(k)?.requests ?? 0, before.get(k) ?? 0), fmtInt(now.get(k)?.errors ?? 0)]),
  };
}

function accuracyKpis(c: PeriodFigures, p: PeriodFigures, tr: Tr): Kpi[] {
  // The notes give the counts behind each rate, worded as the overview page words them.
  const t = c.totals;
  return [
    { label: tr('reports.m.outputs'), value: fmtInt(t.outputs), change: countChange(t.outputs, p.totals.outputs) },
    { label: tr('reports.m.citation_error_rate'), value: fmtRatioPct(c.rates.citation_error_rate), change: ratioChange(c.rates.citation_error_rate, p.rates.citation_error_rate), note: `${fmtInt(t.citation_error_outputs)} / ${fmtInt(t.outputs)}` },
    { label: tr('reports.m.thumbs_down_rate'), value: fmtRatioPct(c.rates.thumbs_down_rate), change: ratioChange(c.rates.thumbs_down_rate, p.rates.thumbs_down_rate), note: `${fmtInt(t.down)} / ${fmtInt(t.up + t.down)}` },
    { label: tr('reports.m.confirmed_rate'), value: fmtRatioPct(c.rates.confirmed_rate), change: ratioChange(c.rates.confirmed_rate, p.rates.confirmed_rate), note: `${fmtInt(t.confirmed)} / ${fmtInt(t.reviewed)}` },
  ];
}

function riskBlocks(c: PeriodFigures, p: PeriodFigures, tr: Tr, lang: Lang): Block[] {
  const table = <K extends 'category' | 'severity'>(key: K, caption: string, name: (v: string) => string): Block => {
    const cur = c[key === 'category' ? 'riskByCategory' : 'riskBySeverity'] as ({ [P in K]: string } & { flags: number; per_1000: number | null })[];
    const prev = new Map((p[key === 'category' ? 'riskByCategory' : 'riskBySeverity'] as typeof cur).map((r) => [r[key], r]));
    const keys = [...new Set([...cur.map((r) => r[key]), ...prev.keys()])];
    const now = new Map(cur.map((r) => [r[key], r]));
    return {
      type: 'table',
      caption,
      head: [tr(`reports.col.${key}`), tr('reports.col.flags'), tr('reports.col.per_1000'), tr('reports.change')],
      numeric: [false, true, true, true],
      rows: keys.map((k) => [
        name(k),
        fmtInt(now.get(k)?.flags ?? 0),
        fmtNum(now.get(k)?.per_1000 ?? (c.totals.outputs > 0 ? 0 : null), 2),
        numChange(now.get(k)?.per_1000 ?? (c.totals.outputs > 0 ? 0 : null), prev.get(k)?.per_1000 ?? (p.totals.outputs > 0 ? 0 : null)),
      ]),
    };
  };
  return [
    table('category', tr('reports.risk.by_category'), (v) => categoryName(v, lang)),
    table('severity', tr('reports.risk.by_severity'), (v) => severityName(v, lang)),
    {
      type: 'table',
      caption: tr('reports.risk.table'),
      head: [tr('reports.col.category'), tr('reports.col.severity'), tr('reports.col.flags'), tr('reports.col.per_1000')],
      numeric: [false, false, true, true],
      rows: c.riskTable.map((r) => [categoryName(r.category, lang), severityName(r.severity, lang), fmtInt(r.flags), fmtNum(r.per_1000, 2)]),
    },
  ];
}

function incidentBlocks(c: PeriodFigures, p: PeriodFigures, tr: Tr, lang: Lang): Block[] {
  const f = c.flow;
  const g = p.flow;
  return [
    {
      type: 'kpis',
      items: [
        { label: tr('reports.m.opened'), value: fmtInt(f.opened), change: countChange(f.opened, g.opened) },
        { label: tr('reports.m.triaged'), value: fmtInt(f.triaged), change: countChange(f.triaged, g.triaged) },
        { label: tr('reports.m.confirmed'), value: fmtInt(f.confirmed), change: countChange(f.confirmed, g.confirmed) },
        { label: tr('reports.m.false_positive'), value: fmtInt(f.false_positive), change: countChange(f.false_positive, g.false_positive) },
        { label: tr('reports.m.resolved'), value: fmtInt(f.resolved), change: countChange(f.resolved, g.resolved) },
        { label: tr('reports.m.open_critical'), value: fmtInt(f.open_critical), change: countChange(f.open_critical, g.open_critical) },
      ],
    },
    {
      type: 'table',
      caption: `${tr('reports.m.time_to_triage')} / ${tr('reports.m.time_to_resolve')}`,
      head: [tr('reports.metric'), `${tr('reports.current')} ${tr('reports.m.median')}`, `${tr('reports.current')} ${tr('reports.m.p90')}`, `${tr('reports.previous')} ${tr('reports.m.median')}`, `${tr('reports.previous')} ${tr('reports.m.p90')}`],
      numeric: [false, true, true, true, true],
      rows: [
        [tr('reports.m.time_to_triage'), hours(f.triage_hours_p50, lang), hours(f.triage_hours_p90, lang), hours(g.triage_hours_p50, lang), hours(g.triage_hours_p90, lang)],
        [tr('reports.m.time_to_resolve'), hours(f.resolve_hours_p50, lang), hours(f.resolve_hours_p90, lang), hours(g.resolve_hours_p50, lang), hours(g.resolve_hours_p90, lang)],
      ],
    },
    { type: 'p', tone: 'muted', text: tr('reports.cav.incident_def') },
  ];
}

function notableBlocks(n: ReportFigures['notable'], tr: Tr, lang: Lang, redacted: boolean): Block[] {
  const total = Object.values(n.by_severity).reduce((a, b) => a + b, 0);
  if (total === 0) return [{ type: 'p', text: tr('reports.notable.none') }];
  const blocks: Block[] = [
    { type: 'p', text: tr('reports.notable.counts', { n: fmtInt(total) }) },
    {
      type: 'table',
      caption: `${tr('reports.col.severity')} / ${tr('reports.col.category')}`,
      head: [tr('reports.metric'), tr('reports.col.messages')],
      numeric: [false, true],
      rows: [
        ...Object.entries(n.by_severity).map(([k, v]) => [severityName(k, lang), fmtInt(v)]),
        ...Object.entries(n.by_category).map(([k, v]) => [categoryName(k, lang), fmtInt(v)]),
      ],
    },
  ];
  if (n.items.length > 0) {
    blocks.push({
      type: 'table',
      caption: tr('reports.sec.notable'),
      head: [tr('reports.col.incident'), tr('reports.col.ministry'), tr('reports.col.severity'), tr('reports.col.category'), tr('reports.col.status'), tr('reports.col.excerpt')],
      numeric: [false, false, false, false, false, false],
      wide: 5,
      rows: n.items.map((i) => [
        `${i.incident_id}\n${i.opened_at}`,
        ministryName(i.ministry, lang),
        severityName(i.severity, lang),
        `${categoryName(i.category, lang)}\n${i.rule_ids.join(', ')}`,
        t(lang, `status.${i.status}`),
        i.excerpt || DASH,
      ]),
    });
  } else {
    blocks.push({ type: 'p', tone: 'note', text: redacted ? tr('reports.doc.redacted') : tr('reports.notable.counts_only') });
  }
  return blocks;
}

function perspectiveSections(f: ReportFigures, tr: Tr, lang: Lang): DocSection[] {
  return PERSPECTIVES.map((p, i) => {
    const m = f.perspectives.find((x) => x.id === p.id);
    const name = lang === 'en' ? p.name_en : p.name_ja;
    const title = `${i + 1}. ${name}`;
    if (!m || !m.measured) {
      return {
        id: `persp-${p.id}`, level: 3 as const, title, pageBreak: false,
        blocks: [
          { type: 'p' as const, tone: 'warn' as const, text: tr('reports.persp.not_measured') },
          { type: 'p' as const, tone: 'muted' as const, text: tr('reports.persp.not_measured_note') },
        ],
      };
    }
    const blocks: Block[] = [
      { type: 'p', text: `${tr('reports.persp.measures')}: ${lang === 'en' ? p.measures_en : p.measures_ja}` },
      {
        type: 'kpis',
        items: [
          { label: tr('reports.m.findings_per_1000'), value: fmtNum(m.per_1000, 2), change: numChange(m.per_1000, m.previous_per_1000) },
          { label: tr('reports.col.findings'), value: fmtInt(m.findings), change: DASH },
          { label: tr('reports.m.incidents'), value: fmtInt(m.incidents), change: DASH },
          { label: tr('reports.col.precision'), value: fmtRatioPct(m.precision), change: DASH, note: m.precision_ci ? `95% CI ${fmtRatioPct(m.precision_ci.low)}–${fmtRatioPct(m.precision_ci.high)}` : undefined },
        ],
      },
      {
        type: 'p',
        tone: 'muted',
        text:
          m.reviewed > 0 && m.precision_ci
            ? tr('reports.persp.quality', { p: fmtRatioPct(m.precision), lo: fmtRatioPct(m.precision_ci.low), hi: fmtRatioPct(m.precision_ci.high), n: fmtInt(m.reviewed) })
            : tr('reports.persp.quality_none'),
      },
      ...recallBlocks(m, tr, lang),
    ];
    if (m.rules.length > 0) {
      blocks.push({
        type: 'table',
        caption: `${name}: ${tr('reports.col.rule')}`,
        head: [tr('reports.col.evaluator'), tr('reports.col.rule'), tr('reports.col.findings'), tr('reports.col.reviewed'), tr('reports.col.precision')],
        numeric: [false, false, true, true, true],
        rows: m.rules.map((r) => [r.evaluator, r.rule_id, fmtInt(r.findings), fmtInt(r.reviewed), fmtRatioPct(r.precision)]),
      });
    }
    return { id: `persp-${p.id}`, level: 3 as const, title, pageBreak: false, blocks };
  });
}

/**
 * Recall per category the perspective draws on, with its interval, as /evaluators shows it; "not enough
 * labels" where no reviewer finding exists yet, and a warning where it rests on few labels.
 */
function recallBlocks(m: PerspectiveFigures, tr: Tr, lang: Lang): Block[] {
  // Reports stored before recall was filled: say what they said then.
  if (!m.recall_by_category) return [{ type: 'p', tone: 'muted', text: m.recall === null ? tr('reports.persp.recall_none') : `Recall ${fmtRatioPct(m.recall)}` }];
  return m.recall_by_category.map((r): Block => {
    const category = categoryName(r.category, lang);
    if (r.recall === null || !r.recall_ci) {
      return { type: 'p', tone: 'muted', text: tr('reports.persp.recall_no_labels', { category, n: fmtInt(r.labeled) }) };
    }
    const text = tr('reports.persp.recall', {
      category,
      r: fmtRatioPct(r.recall),
      lo: fmtRatioPct(r.recall_ci.low),
      hi: fmtRatioPct(r.recall_ci.high),
      found: fmtInt(r.human_found),
      missed: fmtInt(r.missed),
    });
    return r.few_labels
      ? { type: 'p', tone: 'warn', text: `${text} ${tr('reports.persp.recall_few', { n: fmtInt(r.min_labels) })}` }
      : { type: 'p', tone: 'muted', text };
  });
}

/** The ingest delay at generation: the latest stored event time against the period's end. */
function ingestBlock(c: NonNullable<ReportFigures['caveats']['ingest']>, tr: Tr): Block {
  const at = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  const end = at(c.period_end);
  if (c.latest_event_at === null) return { type: 'p', tone: 'warn', text: tr('reports.cav.ingest_none', { end }) };
  const latest = at(c.latest_event_at);
  if (c.period_open) return { type: 'p', tone: 'note', text: tr('reports.cav.ingest_open', { end, latest, generated: at(c.generated_at) }) };
  if ((c.behind_seconds ?? 0) > 0) {
    return { type: 'p', tone: 'warn', text: tr('reports.cav.ingest_behind', { end, latest, h: fmtNum((c.behind_seconds ?? 0) / 3600, 1) }) };
  }
  return { type: 'p', text: tr('reports.cav.ingest_complete', { end, latest }) };
}

function radarBlock(f: ReportFigures, tr: Tr, lang: Lang): Block {
  return {
    type: 'radar',
    title: tr('reports.radar.title'),
    legend: { current: tr('reports.radar.current'), previous: tr('reports.radar.previous') },
    axes: PERSPECTIVES.filter((p) => p.matches).map((p) => {
      const m = f.perspectives.find((x) => x.id === p.id)!;
      return {
        label: lang === 'en' ? p.name_en : p.name_ja,
        value: m.per_1000 ?? 0,
        previous: m.previous_per_1000,
        text: `${fmtNum(m.per_1000, 2)} (${tr('reports.previous')} ${fmtNum(m.previous_per_1000, 2)})`,
      };
    }),
  };
}

function caveatBlocks(f: ReportFigures, tr: Tr, lang: Lang): Block[] {
  const c = f.caveats;
  const dlq = c.dlq.reduce((a, d) => a + d.messages, 0);
  const prevDlq = c.previous_dlq.reduce((a, d) => a + d.messages, 0);
  const gaps = c.days_without_usage;
  const list = (xs: string[]) => (xs.length ? xs.join(', ') : tr('reports.none'));
  const blocks: Block[] = [
    {
      type: 'p',
      tone: gaps.length ? 'warn' : undefined,
      text: gaps.length
        ? tr('reports.cav.days_without_usage', { n: gaps.length, list: (lang === 'en' ? ' (%)' : '（%）').replace('%', `${gaps.slice(0, 31).join(', ')}${gaps.length > 31 ? ' …' : ''}`) })
        : tr('reports.cav.days_complete'),
    },
    ...(c.ingest ? [ingestBlock(c.ingest, tr)] : []),
    { type: 'p', tone: dlq ? 'warn' : undefined, text: tr('reports.cav.dlq', { n: fmtInt(dlq), prev: fmtInt(prevDlq) }) },
    {
      type: 'p',
      tone: c.evaluation_behind.length ? 'warn' : undefined,
      text: c.evaluation_behind.length ? tr('reports.cav.eval_behind', { list: list(c.evaluation_behind) }) : tr('reports.cav.eval_complete'),
    },
    {
      type: 'p',
      text: c.flag_versions.length
        ? tr('reports.cav.versions', { list: [...new Set(c.flag_versions.map((v) => `${v.evaluator} ${v.evaluator_version}`))].join(', ') })
        : tr('reports.cav.no_versions'),
    },
    { type: 'p', text: tr('reports.cav.catalog', { list: list(c.catalog_versions) }) },
  ];
  if (c.dlq.length) {
    blocks.push({ type: 'table', caption: 'DLQ', head: [tr('reports.col.topic'), tr('reports.col.messages')], numeric: [false, true], rows: c.dlq.map((d) => [d.topic, fmtInt(d.messages)]) });
  }
  if (c.watermarks.length) {
    blocks.push({
      type: 'table',
      caption: tr('reports.col.evaluator'),
      head: [tr('reports.col.evaluator'), tr('reports.col.evaluator_version'), tr('reports.col.watermark'), tr('reports.col.backlog')],
      numeric: [false, false, false, true],
      rows: c.watermarks.map((w) => [w.evaluator, w.evaluator_version, w.watermark_at, fmtInt(w.backlog)]),
    });
  }
  blocks.push({ type: 'p', tone: 'muted', text: `${tr('reports.cav.adoption_def')} ${tr('reports.doc.days_utc')}` });
  return blocks;
}

// ---- the document --------------------------------------------------------------------------------

export function reportDocument(r: StoredReport & { redacted?: boolean }, lang: Lang): ReportDocument {
  const tr: Tr = (key, vars) => t(lang, key, vars);
  const f = r.figures;
  const c = f.current;
  const p = f.previous;
  const scope = r.ministry ? ministryName(r.ministry, lang) : tr('reports.scope_all');
  const planned = r.params.planned_users;
  const allPlanned = Object.values(planned).reduce((a, b) => a + b, 0);
  const scopeShare = allPlanned === 0 ? 0 : (r.ministry ? (planned[r.ministry] ?? 0) : allPlanned) / allPlanned;
  const S = (id: string, title: string, pageBreak: boolean, blocks: Block[], level: 2 | 3 = 2): DocSection => ({ id, level, title, pageBreak, blocks });
  const redacted = Boolean(r.redacted);
  const paren = (x: string) => (lang === 'en' ? ` (${x})` : `（${x}）`);
  let sections: DocSection[];
  if (r.kind === 'ministry') {
    sections = [
      S('summary', tr('reports.sec.summary'), false, [{ type: 'kpis', items: summaryKpis(c, p, tr) }]),
      S('rollout', tr('reports.sec.rollout'), false, [...rolloutBlocks(f.rollout, c, p, tr, lang, true), ...(r.ministry ? [] : [ministryTable(f.rollout, tr, lang)])]),
      S('use', tr('reports.sec.use'), true, [
        requestsTable(tr('reports.use.by_app'), tr('reports.col.app'), c.byApp, p.byApp, tr),
        requestsTable(tr('reports.use.by_model'), tr('reports.col.model'), c.byModel, p.byModel, tr),
      ]),
      S('accuracy', tr('reports.sec.accuracy'), false, [{ type: 'kpis', items: accuracyKpis(c, p, tr) }]),
      S('risk', tr('reports.sec.risk'), true, riskBlocks(c, p, tr, lang)),
      S('incidents', tr('reports.sec.incidents'), false, incidentBlocks(c, p, tr, lang)),
      S('notable', tr('reports.sec.notable'), true, notableBlocks(f.notable, tr, lang, redacted)),
      S('caveats', tr('reports.sec.caveats'), false, caveatBlocks(f, tr, lang)),
    ];
  } else if (r.kind === 'safety') {
    sections = [
      S('summary', tr('reports.sec.summary'), false, [{ type: 'kpis', items: [...accuracyKpis(c, p, tr).slice(0, 2), ...summaryKpis(c, p, tr).slice(3)] }]),
      S('radar', tr('reports.sec.radar'), false, [radarBlock(f, tr, lang)]),
      S('perspectives', tr('reports.sec.perspectives'), true, []),
      ...perspectiveSections(f, tr, lang),
      S('risk', tr('reports.sec.risk'), true, riskBlocks(c, p, tr, lang).slice(0, 2)),
      S('notable', tr('reports.sec.notable'), false, notableBlocks(f.notable, tr, lang, redacted)),
      S('caveats', tr('reports.sec.caveats'), true, caveatBlocks(f, tr, lang)),
    ];
  } else {
    sections = [
      S('summary', tr('reports.sec.rollout'), false, [...rolloutBlocks(f.rollout, c, p, tr, lang), trendBlock(f.rollout, tr, scopeShare)]),
      S('rollout-ministries', tr('reports.sec.rollout_ministries'), true, [
        ministryTable(f.rollout, tr, lang),
        { type: 'p', tone: 'muted', text: tr('reports.rollout.curve', { points: r.params.targets.map((x) => `${x.day}: ${fmtInt(x.users)}`).join(', ') }) },
      ]),
      S('use', tr('reports.sec.use'), true, [
        requestsTable(tr('reports.use.by_app'), tr('reports.col.app'), c.byApp, p.byApp, tr),
        requestsTable(tr('reports.use.by_model'), tr('reports.col.model'), c.byModel, p.byModel, tr),
      ]),
      S('caveats', tr('reports.sec.caveats'), false, caveatBlocks(f, tr, lang)),
    ];
  }
  return {
    lang,
    title: tr(`reports.doc.title.${r.kind}`),
    reportId: r.report_id,
    version: r.version,
    scope,
    period: `${r.params.period}${paren(`${r.params.from} – ${r.params.to}`)}`,
    periodRange: `${r.params.from} – ${r.params.to}`,
    previousPeriod: `${r.params.previous_from} – ${r.params.previous_to}`,
    created: r.created_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
    author: `${r.author}${paren(t(lang, `role.${r.author_role}`) === `role.${r.author_role}` ? r.author_role : t(lang, `role.${r.author_role}`))}`,
    hash: r.content_hash,
    hashVerified: r.hash_verified,
    sections,
  };
}
