// Evaluator quality: what each evaluator and rule flags, what reviewers decided about those flags,
// and the precision that follows (confirmed / reviewed). A reviewer's verdict is given per incident;
// it counts for every rule the incident lists, because the reviewer judged the output they flagged.
import { FINDING, ratio, flagRows, queryRows, type ClickHouseClient } from './db.ts';
import { where, type Filters } from './filters.ts';

export interface RuleQuality {
  evaluator: string;
  rule_id: string;
  category: string;
  flags: number;
  findings: number;
  outputs: number;
  incidents: number;
  reviewed: number;
  confirmed: number;
  rejected: number;
  precision: number | null;
}

interface VerdictRow {
  week: string;
  evaluator: string;
  rule_id: string;
  incidents: number;
  reviewed: number;
  confirmed: number;
}

/** Reviewer verdicts on the flagged outputs, per evaluator and rule and per week and evaluator. */
export interface Verdicts {
  byRule: VerdictRow[];
  byWeek: VerdictRow[];
}

/**
 * Both views of the verdicts from the incident rollup (incident_verdicts_daily, migration 0180): an
 * incident counts for each rule it lists that has a live flag on its output, with that flag's day and
 * dimensions, the way joining the live flags with the incidents counted it. Rows of the (week,
 * evaluator) grouping set have an empty rule_id and take the once-per-evaluator sums, so an incident
 * with two rules of one evaluator counts once there; the others belong to (evaluator, rule_id).
 */
export async function verdicts(client: ClickHouseClient, f: Filters): Promise<Verdicts> {
  const w = where(f, { day: 'incident_verdicts_daily.day' });
  // flagRows: the bench's raw side reads flags FINAL in the rollup's place.
  const got = await flagRows<Record<string, string | number>>(
    client,
    `SELECT toString(toMonday(incident_verdicts_daily.day)) AS week, evaluator, rule_id,
            sum(incidents) AS n_incidents, sum(reviewed) AS n_reviewed, sum(confirmed) AS n_confirmed,
            sum(evaluator_incidents) AS n_evaluator_incidents, sum(evaluator_reviewed) AS n_evaluator_reviewed,
            sum(evaluator_confirmed) AS n_evaluator_confirmed
       FROM incident_verdicts_daily
      WHERE rule_id != '' AND ${w.sql}
      GROUP BY GROUPING SETS ((evaluator, rule_id), (week, evaluator))
     HAVING n_incidents != 0`,
    w.params,
  );
  const row = (r: Record<string, string | number>, perEvaluator: boolean): VerdictRow => {
    const n = (k: string) => Number(r[perEvaluator ? `n_evaluator_${k}` : `n_${k}`]);
    return { week: String(r.week), evaluator: String(r.evaluator), rule_id: String(r.rule_id), incidents: n('incidents'), reviewed: n('reviewed'), confirmed: n('confirmed') };
  };
  return {
    byRule: got.filter((r) => r.rule_id !== '').map((r) => row(r, false)),
    byWeek: got.filter((r) => r.rule_id === '').map((r) => row(r, true)),
  };
}

/** Pass the page's verdicts() when it has them (one join for both tables). */
export async function ruleQuality(client: ClickHouseClient, f: Filters, known?: Verdicts | Promise<Verdicts>): Promise<RuleQuality[]> {
  // flags_daily counts an output once per rule (on its most severe flag of the rule), so `outputs` adds up.
  const w = where(f, { day: 'flags_daily.day' });
  const [ruleRows, v0] = await Promise.all([
    queryRows<{ evaluator: string; rule_id: string; category: string; flags: number; findings: number; outputs: number }>(
      client,
      `SELECT evaluator, rule_id, any(category) AS category, sum(flags_daily.flags) AS flags, sumIf(flags_daily.flags, ${FINDING}) AS findings,
              sum(outputs) AS outputs
         FROM flags_daily WHERE ${w.sql}
        GROUP BY evaluator, rule_id HAVING flags != 0`,
      w.params,
    ),
    known ?? verdicts(client, f),
  ]);
  const v = new Map(v0.byRule.map((r) => [`${r.evaluator}|${r.rule_id}`, r]));
  return ruleRows
    .map((r) => {
      const x = v.get(`${r.evaluator}|${r.rule_id}`);
      const reviewed = x?.reviewed ?? 0;
      const confirmed = x?.confirmed ?? 0;
      return {
        ...r,
        incidents: x?.incidents ?? 0,
        reviewed,
        confirmed,
        rejected: reviewed - confirmed,
        precision: ratio(confirmed, reviewed),
      };
    })
    .sort((a, b) => a.evaluator.localeCompare(b.evaluator) || b.flags - a.flags || a.rule_id.localeCompare(b.rule_id));
}

export interface PrecisionWeek {
  week: string;
  evaluator: string;
  reviewed: number;
  confirmed: number;
  precision: number | null;
}

/** Precision per evaluator per week of the flagged outputs' dates. Pass the page's verdicts() when it has them. */
export async function precisionByWeek(client: ClickHouseClient, f: Filters, known?: Verdicts): Promise<PrecisionWeek[]> {
  const v = known ?? (await verdicts(client, f));
  return v.byWeek
    .map(({ week, evaluator, reviewed, confirmed }) => ({ week, evaluator, reviewed, confirmed, precision: ratio(confirmed, reviewed) }))
    .sort((a, b) => (a.week < b.week ? -1 : a.week > b.week ? 1 : a.evaluator < b.evaluator ? -1 : a.evaluator > b.evaluator ? 1 : 0));
}

/** The evaluator-quality page: one verdicts read shared by both tables. */
export async function evaluatorPageData(client: ClickHouseClient, f: Filters) {
  const v = verdicts(client, f); // runs beside ruleQuality's flag counts
  const [rules, weekly] = await Promise.all([ruleQuality(client, f, v), v.then((known) => precisionByWeek(client, f, known))]);
  return { rules, weekly };
}
