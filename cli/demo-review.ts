// The demo's review sample (issue 12): draws every week of the demo traffic under a demo rule, and the
// demo reviewer labels the completed weeks from the simulator's ground truth with a realistic error
// rate (misses some real findings, now and then marks one that is not there); a second reviewer labels
// the double-labeled items the same way, independently, so Cohen's kappa is below 1. The current
// week's items are left for a person trying the demo.
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '../clickhouse/client.ts';
import { queryRows } from '../clickhouse/client.ts';
import { REVIEW_CATEGORIES, type Judgment, type ReviewRule } from '../contracts/review.ts';
import { writeAudit, type AuditWhat } from '../src/lib/server/audit.ts';
import { sampleWeek } from '../src/lib/server/review/samples.ts';
import { weekOf } from '../src/lib/server/review/sampling.ts';
import { judgmentRow, type ReviewItem } from '../src/lib/server/review/labels.ts';
import type { PlantedCategories } from './demo-triage.ts';

/** Flagged outputs are sampled more heavily (precision, and recall's caught side); unflagged hold the misses. */
export const DEMO_REVIEW_RULE: ReviewRule = {
  id: 'demo',
  flagged: { share: 0.15 },
  unflagged: { share: 0.04 },
  strata: {},
  second_review_share: 0.2,
};

/** A reviewer misses 5 % of real findings and marks a finding that is not there on 0.1 % of judgments. */
export const DEMO_REVIEWER_ERRORS = { miss: 0.05, falseFinding: 0.001 };

const REVIEWERS = [
  { actor: 'reviewer', role: 'reviewer', ip: '127.0.0.1', user_agent: 'oversight demo (labels from ground truth, with errors)' },
  { actor: 'admin', role: 'admin', ip: '127.0.0.1', user_agent: 'oversight demo (second reviewer)' },
];

function chance(seed: string, p: number): boolean {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 2 ** 32 < p;
}

export async function demoReview(
  client: ClickHouseClient,
  planted: PlantedCategories,
  opts: { from: string; now?: Date; log: (l: string) => void },
): Promise<{ items: number; labeled: number }> {
  const now = opts.now ?? new Date();
  const who = { actor: 'demo', role: '', ip: '127.0.0.1', user_agent: 'oversight demo' };
  const current = weekOf(now.toISOString());
  let items = 0;
  for (let w = weekOf(opts.from); w <= current; w = addDays(w, 7)) {
    const r = await sampleWeek(client, { week: w, rule: DEMO_REVIEW_RULE, who, trigger: 'demo' });
    items += r.sampled;
  }
  const toLabel = await queryRows<ReviewItem>(
    client,
    `SELECT i.item_id AS item_id, i.round_id AS round_id, toString(i.week) AS week, i.rule_id AS rule_id, i.output_id AS output_id,
            i.ministry AS ministry, i.app AS app, i.output_at AS output_at, i.flagged AS flagged, i.stratum_size AS stratum_size,
            i.stratum_sampled AS stratum_sampled, i.second_review AS second_review, i.sampled_at AS sampled_at
       FROM review_items AS i FINAL
      WHERE i.rule_id = 'demo' AND i.week < {current:Date} AND i.item_id NOT IN (SELECT item_id FROM review_labels)`,
    { current },
  );
  // Written in bulk (the demo labels thousands of items): the same rows and audit entries saveLabel writes.
  const rows: ReturnType<typeof judgmentRow>[] = [];
  const audits: AuditWhat[] = [];
  const at = new Date();
  for (const it of toLabel) {
    const reviewers = it.second_review ? REVIEWERS : REVIEWERS.slice(0, 1);
    reviewers.forEach((reviewer, k) => {
      const truth = planted.get(it.output_id) ?? new Set<string>();
      const findings: string[] = [];
      for (const category of REVIEW_CATEGORIES) {
        const seed = `${reviewer.actor}|${it.item_id}|${category}`;
        const found = truth.has(category) ? !chance(`miss|${seed}`, DEMO_REVIEWER_ERRORS.miss) : chance(`false|${seed}`, DEMO_REVIEWER_ERRORS.falseFinding);
        const j: Judgment = found
          ? { category, finding: true, severity: 'high', where: 'response', start: 0, end: 0, note: 'demo reviewer' }
          : { category, finding: false, note: '' };
        if (found) findings.push(category);
        rows.push(judgmentRow(j, { prompt: '', response: '' }, { item: it, reviewer: reviewer.actor, pass: k + 1, at: at.toISOString(), version: at.getTime() }));
      }
      audits.push({ action: 'review_label', target: it.item_id, ministry: it.ministry, detail: { output_id: it.output_id, pass: k + 1, findings, reviewer: reviewer.actor } });
    });
  }
  for (let i = 0; i < rows.length; i += 50_000) await client.insert({ table: 'review_labels', values: rows.slice(i, i + 50_000), format: 'JSONEachRow' });
  await writeAudit(client, { ...REVIEWERS[0], actor: 'demo' }, audits, at);
  const labeled = toLabel.length;
  opts.log(`review sample: ${items} items drawn under rule "${DEMO_REVIEW_RULE.id}"; the demo reviewers labeled ${labeled} (completed weeks, ${DEMO_REVIEWER_ERRORS.miss * 100} % of real findings missed), the current week is left to label`);
  return { items, labeled };
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
