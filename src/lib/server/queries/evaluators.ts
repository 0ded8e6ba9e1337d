// Evaluator quality: what each evaluator and rule flags, what reviewers decided about those flags,
// and the precision that follows (confirmed / reviewed). A reviewer's verdict is given per incident;
// it counts for every rule the incident lists, because the reviewer judged the output they flagged.
import { CONFIRMED_VERDICT, FINDING, LIVE_FLAGS, LIVE_FLAGS_WHERE, ratio, flagRows, queryRows, type ClickHouseClient } from './db.ts';
import { where, type Filters, type Where } from './filters.ts';

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

/** The flag rows of the filters, one per (output, evaluator, rule), for joining to incidents. */
function flaggedRules(f: Filters): Where {
  const w = where(f, { day: 'toDate(output_at)' });
  return {
    sql: `SELECT DISTINCT output_id, evaluator, rule_id, toDate(output_at) AS day FROM ${LIVE_FLAGS}
           WHERE ${LIVE_FLAGS_WHERE} AND ${w.sql}`,
    params: w.params,
  };
}

const INCIDENT_RULES = `SELECT incident_id, output_id, rule_id, verdict FROM incidents FINAL ARRAY JOIN rule_ids AS rule_id`;

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
 * One join of the live flags with the incidents for both views of the verdicts: the join (flags FINAL
 * and incidents FINAL) is most of the page's cost, so it runs once. Rows of the (week, evaluator)
 * grouping set have an empty rule_id (no flag has one); the others belong to (evaluator, rule_id).
 */
export async function verdicts(client: ClickHouseClient, f: Filters): Promise<Verdicts> {
  const flagged = flaggedRules(f);
  const got = await flagRows<VerdictRow>(
    client,
    `SELECT toString(toMonday(fl.day)) AS week, fl.evaluator AS evaluator, fl.rule_id AS rule_id,
            uniqExact(i.incident_id) AS incidents,
            uniqExactIf(i.incident_id, i.verdict != '') AS reviewed,
            uniqExactIf(i.incident_id, i.verdict = {confirmed:String}) AS confirmed
       FROM (${flagged.sql}) AS fl INNER JOIN (${INCIDENT_RULES}) AS i
         ON fl.output_id = i.output_id AND fl.rule_id = i.rule_id
      GROUP BY GROUPING SETS ((evaluator, rule_id), (week, evaluator))`,
    { ...flagged.params, confirmed: CONFIRMED_VERDICT },
  );
  return { byRule: got.filter((r) => r.rule_id !== ''), byWeek: got.filter((r) => r.rule_id === '') };
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

/** The evaluator-quality page: one verdict join shared by both tables. */
export async function evaluatorPageData(client: ClickHouseClient, f: Filters) {
  const v = verdicts(client, f); // runs beside ruleQuality's flag counts
  const [rules, weekly] = await Promise.all([ruleQuality(client, f, v), v.then((known) => precisionByWeek(client, f, known))]);
  return { rules, weekly };
}
