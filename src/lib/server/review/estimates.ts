// Recall, precision and prevalence per category and evaluator from the labeled review samples, with
// 95 % intervals that account for the stratum weights, and Cohen's kappa between the first and the
// blind second reviewer; overall, per week and per ministry. Reads the labels and the live flags of
// the sampled outputs; the arithmetic is evaluators/quality/estimators.ts. No raw text is read, so
// every role that sees the evaluator page (leadership included) may see these figures.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../../../clickhouse/client.ts';
import { REVIEW_CATEGORIES } from '../../../../contracts/review.ts';
import {
  MIN_LABELS,
  cohensKappa,
  estimateQuality,
  stratumWeights,
  wilsonCount,
  type Interval,
  type Kappa,
  type LabeledItem,
  type Proportion,
} from '../../../../evaluators/quality/estimators.ts';
import { LIVE_FLAGS_SETTINGS } from '../queries/db.ts';
import type { Filters } from '../queries/filters.ts';
import { weekOf } from './sampling.ts';

/** Every evaluator together: a category counts as flagged when any evaluator flagged it. */
export const ANY_EVALUATOR = '*';

export interface EstimateRow {
  /** Which breakdown: the whole range, one week (key = Monday) or one ministry (key = code). */
  group: 'all' | 'week' | 'ministry';
  key: string;
  category: string;
  evaluator: string;
  recall: Proportion | null;
  precision: Proportion | null;
  prevalence: Proportion | null;
  /** Precision from reviewer verdicts on incidents (not a random sample: flagged, severity ≥ high). */
  verdictPrecision: (Interval & { n: number }) | null;
  labeled: number;
  humanFound: number;
  missed: number;
  kappa: Kappa;
  /** A figure rests on fewer than MIN_LABELS labels: shown with a warning. */
  fewLabels: boolean;
}

interface LabelRow {
  item_id: string;
  round_id: string;
  week: string;
  ministry: string;
  app: string;
  flagged: number;
  stratum_size: number;
  output_id: string;
  reviewer: string;
  pass: number;
  category: string;
  finding: number;
}

/** One labeled item: its first label (and the blind second one, if any) per category. */
interface Item {
  item_id: string;
  stratum: string;
  size: number;
  week: string;
  ministry: string;
  output_id: string;
  first: Map<string, boolean>;
  second: Map<string, boolean> | null;
}

/** The review filters of a page: its date range by sample week, ministry and app (model does not apply). */
function sampleWhere(f: Filters): { sql: string; params: Record<string, unknown> } {
  const where = ['i.week >= {rv_from:Date}', 'i.week <= {rv_to:Date}'];
  const params: Record<string, unknown> = { rv_from: weekOf(f.from), rv_to: f.to };
  if (f.ministry) {
    where.push('i.ministry = {rv_ministry:String}');
    params.rv_ministry = f.ministry;
  }
  if (f.app) {
    where.push('i.app = {rv_app:String}');
    params.rv_app = f.app;
  }
  return { sql: where.join(' AND '), params };
}

async function loadItems(client: ClickHouseClient, f: Filters): Promise<{ items: Item[]; flags: Map<string, Set<string>> }> {
  const w = sampleWhere(f);
  const [labels, flagRows] = await Promise.all([
    queryRows<LabelRow>(
      client,
      `SELECT i.item_id AS item_id, i.round_id AS round_id, toString(i.week) AS week, i.ministry AS ministry, i.app AS app,
              i.flagged AS flagged, i.stratum_size AS stratum_size, i.output_id AS output_id,
              l.reviewer AS reviewer, l.pass AS pass, l.category AS category, l.finding AS finding
         FROM review_items AS i FINAL INNER JOIN review_labels AS l FINAL ON l.item_id = i.item_id
        WHERE ${w.sql}
        ORDER BY item_id, pass, l.labeled_at, reviewer`,
      w.params,
    ),
    // What the evaluators flag on the sampled outputs now (a newer evaluator version counts as it stands).
    queryRows<{ output_id: string; evaluator: string; category: string }>(
      client,
      `SELECT DISTINCT output_id, evaluator, category FROM flags FINAL
        WHERE is_deleted = 0 AND severity != 'info'
          AND output_id IN (SELECT i.output_id FROM review_items AS i WHERE ${w.sql})`,
      w.params,
      LIVE_FLAGS_SETTINGS,
    ),
  ]);
  const flags = new Map<string, Set<string>>();
  for (const r of flagRows) {
    if (!flags.has(r.output_id)) flags.set(r.output_id, new Set());
    flags.get(r.output_id)!.add(`${r.evaluator}|${r.category}`).add(`${ANY_EVALUATOR}|${r.category}`);
  }
  const items = new Map<string, Item & { firstReviewer: string }>();
  for (const r of labels) {
    let it = items.get(r.item_id);
    if (!it) {
      it = {
        item_id: r.item_id,
        stratum: `${r.round_id}|${r.ministry}|${r.app}|${r.flagged}`,
        size: Number(r.stratum_size),
        week: r.week,
        ministry: r.ministry,
        output_id: r.output_id,
        first: new Map(),
        second: null,
        firstReviewer: r.reviewer,
      };
      items.set(r.item_id, it);
    }
    // The earliest first-pass reviewer is the primary label; another reviewer's label is the second.
    if (r.reviewer === it.firstReviewer) it.first.set(r.category, r.finding === 1);
    else if (r.pass === 2) {
      it.second ??= new Map();
      it.second.set(r.category, r.finding === 1);
    }
  }
  return { items: [...items.values()], flags };
}

/** Incident verdicts per evaluator and category, as the rules table of the evaluator page has them. */
export interface VerdictCounts {
  evaluator: string;
  category: string;
  reviewed: number;
  confirmed: number;
}

export interface ReviewEstimates {
  rows: EstimateRow[];
  /** Labeled items in range (first labels). */
  labeled: number;
  /** Items labeled twice. */
  doubleLabeled: number;
  minLabels: number;
}

export async function reviewEstimates(client: ClickHouseClient, f: Filters, verdicts: VerdictCounts[] = []): Promise<ReviewEstimates> {
  const { items, flags } = await loadItems(client, f);
  return buildEstimates(items, flags, verdicts);
}

/** The figures from loaded items; exported for tests that build items by hand. */
export function buildEstimates(items: Item[], flags: Map<string, Set<string>>, verdicts: VerdictCounts[]): ReviewEstimates {
  const weights = stratumWeights(items, (i) => i.stratum, (i) => i.size);
  const weighted = items.map((it, k) => ({ ...it, weight: weights[k] }));
  const evaluatorsByCategory = new Map<string, Set<string>>(REVIEW_CATEGORIES.map((c) => [c, new Set([ANY_EVALUATOR])]));
  for (const set of flags.values()) {
    for (const key of set) {
      const [evaluator, category] = key.split('|');
      if (!evaluatorsByCategory.has(category)) evaluatorsByCategory.set(category, new Set([ANY_EVALUATOR]));
      evaluatorsByCategory.get(category)!.add(evaluator);
    }
  }
  for (const v of verdicts) evaluatorsByCategory.get(v.category)?.add(v.evaluator);

  const verdictPrecision = (evaluator: string, category: string) => {
    const list = verdicts.filter((v) => v.category === category && (evaluator === ANY_EVALUATOR || v.evaluator === evaluator));
    const n = list.reduce((s, v) => s + v.reviewed, 0);
    const x = list.reduce((s, v) => s + v.confirmed, 0);
    const i = wilsonCount(x, n);
    return i ? { ...i, n } : null;
  };

  const rows: EstimateRow[] = [];
  const groups: { group: EstimateRow['group']; key: (i: (typeof weighted)[number]) => string }[] = [
    { group: 'all', key: () => '' },
    { group: 'week', key: (i) => i.week },
    { group: 'ministry', key: (i) => i.ministry },
  ];
  for (const g of groups) {
    const byKey = new Map<string, typeof weighted>();
    for (const it of weighted) {
      const list = byKey.get(g.key(it));
      if (list) list.push(it);
      else byKey.set(g.key(it), [it]);
    }
    for (const [key, list] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const [category, evaluators] of evaluatorsByCategory) {
        // Breakdowns by week and ministry are for every evaluator together; per evaluator only overall.
        for (const evaluator of g.group === 'all' ? [...evaluators].sort() : [ANY_EVALUATOR]) {
          const labeled: LabeledItem[] = list
            .filter((it) => it.first.has(category))
            .map((it) => ({ weight: it.weight, human: it.first.get(category)!, flagged: flags.get(it.output_id)?.has(`${evaluator}|${category}`) ?? false }));
          const q = estimateQuality(labeled);
          const pairs = list.filter((it) => it.first.has(category) && it.second?.has(category)).map((it) => [it.first.get(category)!, it.second!.get(category)!] as const);
          rows.push({
            group: g.group,
            key,
            category,
            evaluator,
            recall: q.recall,
            precision: q.precision,
            prevalence: q.prevalence,
            verdictPrecision: g.group === 'all' ? verdictPrecision(evaluator, category) : null,
            labeled: q.labeled,
            humanFound: q.humanFound,
            missed: q.missed,
            kappa: cohensKappa(pairs),
            fewLabels: q.humanFound < MIN_LABELS || q.labeled < MIN_LABELS,
          });
        }
      }
    }
  }
  return { rows, labeled: items.length, doubleLabeled: items.filter((i) => i.second !== null).length, minLabels: MIN_LABELS };
}

export type { Item as EstimateItem };

/** Verdict counts per (evaluator, category) from the rules table of the evaluator page. */
export function verdictCounts(rules: readonly { evaluator: string; category: string; reviewed: number; confirmed: number }[]): VerdictCounts[] {
  const m = new Map<string, VerdictCounts>();
  for (const r of rules) {
    const k = `${r.evaluator}|${r.category}`;
    const v = m.get(k) ?? { evaluator: r.evaluator, category: r.category, reviewed: 0, confirmed: 0 };
    v.reviewed += Number(r.reviewed);
    v.confirmed += Number(r.confirmed);
    m.set(k, v);
  }
  return [...m.values()];
}

export const ESTIMATE_CSV_HEADER = [
  'group', 'key', 'category', 'evaluator', 'metric', 'estimate', 'ci95_low', 'ci95_high', 'n', 'n_effective', 'successes', 'few_labels',
] as const;

/** One CSV line per figure (recall, precision, prevalence, verdict precision, kappa) of every row. */
export function estimateCsvRows(rows: readonly EstimateRow[]): unknown[][] {
  const out: unknown[][] = [];
  const r4 = (x: number | null | undefined) => (x === null || x === undefined ? '' : Math.round(x * 10_000) / 10_000);
  for (const row of rows) {
    const head = [row.group, row.key, row.category, row.evaluator];
    for (const [metric, p] of [['recall', row.recall], ['precision_sample', row.precision], ['prevalence', row.prevalence]] as const) {
      out.push([...head, metric, r4(p?.estimate), r4(p?.low), r4(p?.high), p?.n ?? 0, r4(p?.nEff), p?.successes ?? 0, row.fewLabels ? 1 : 0]);
    }
    if (row.verdictPrecision) {
      const v = row.verdictPrecision;
      out.push([...head, 'precision_verdicts', r4(v.estimate), r4(v.low), r4(v.high), v.n, v.n, '', v.n < MIN_LABELS ? 1 : 0]);
    }
    if (row.kappa.n > 0) out.push([...head, 'cohens_kappa', r4(row.kappa.kappa), '', '', row.kappa.n, '', '', row.kappa.n < MIN_LABELS ? 1 : 0]);
  }
  return out;
}
