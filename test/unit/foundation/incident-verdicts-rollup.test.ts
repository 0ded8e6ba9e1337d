// The incident rollup (incident_verdicts_daily, migration 0180) on chDB: the incident store, triage and
// writeFlags keep it equal to its SELECT over the raw rows through opens (runner and review miss),
// triage changes, re-evaluation (a superseded flag, a re-run) and the crash check's repair; the pages
// that read it (evaluators, ministry) give the answer the old join of `flags FINAL` with
// `incidents FINAL` gave; the migration's backfill is the module's SELECT.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';
import { insertRows, queryRows } from '../../../clickhouse/client.ts';
import { INCIDENT_VERDICTS_SELECT } from '../../../clickhouse/incident-verdicts-rollup.ts';
import { MIGRATIONS_DIR } from '../../../clickhouse/migrate.ts';
import { reconcileRecentRollups } from '../../../clickhouse/rollups.ts';
import { writeFlags } from '../../../clickhouse/stores/evaluation.ts';
import { getIncident, insertOpenedIncidents, writeIncidents } from '../../../clickhouse/stores/incidents.ts';
import type { FlagRow, IncidentRow } from '../../../contracts/tables.ts';
import { assignIncident, transitionIncident } from '../../../src/lib/server/incidents.ts';
import { verdicts } from '../../../src/lib/server/queries/evaluators.ts';
import type { Filters } from '../../../src/lib/server/queries/filters.ts';
import { incidentCounts } from '../../../src/lib/server/queries/incidents.ts';
import { accuracyWithIncidents } from '../../../src/lib/server/queries/overview.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb('oversight-incident-verdicts-');
});
afterAll(async () => db?.close());

const DAY: Record<string, string> = { a1: '2026-10-01 09:00:00.000', b2: '2026-10-02 10:00:00.000', c3: '2026-10-01 11:00:00.000' };
const MINISTRY: Record<string, string> = { a1: 'mof', b2: 'mhlw', c3: 'mof' };

let version = 0;
function flag(output: string, rule: string, o: Partial<FlagRow> = {}): FlagRow {
  const citation = rule.startsWith('cit_');
  return {
    output_id: output, evaluator: citation ? 'citations' : 'leakage', evaluator_version: '1', category: citation ? 'hallucinated_citation' : 'leakage',
    rule_id: rule, severity: 'high', confidence: 0.9, where: 'response', evidence: '[]', evidence_start: 0, explanation: '',
    ministry: MINISTRY[output], app: 'chat', model: 'model-a', output_at: DAY[output], version: 0, is_deleted: 0, ...o,
  };
}
/** A runner batch: every row gets the batch's version, as evaluators/runner.ts writes them. */
const flags = (rows: FlagRow[]) => writeFlags(db.client, rows.map((r) => ({ ...r, version: ++version })));

function incident(id: string, output: string, category: string, rules: string[], o: Partial<IncidentRow> = {}): IncidentRow {
  return {
    incident_id: id, output_id: output, ministry: MINISTRY[output], app: 'chat', model: 'model-a', category, severity: 'high', rule_ids: rules,
    title: `${category}: ${rules.join(', ')}`, status: 'new', assignee: '', verdict: '', output_at: DAY[output], opened_at: DAY[output], version: 1, ...o,
  };
}

const FIGURES = (from: string) => `SELECT toString(day) AS day, ministry, evaluator, rule_id, sum(incidents) AS i, sum(reviewed) AS r, sum(confirmed) AS c,
    sum(evaluator_incidents) AS ei, sum(evaluator_reviewed) AS er, sum(evaluator_confirmed) AS ec
    FROM ${from} GROUP BY day, ministry, evaluator, rule_id HAVING i != 0 OR r != 0 OR c != 0 OR ei != 0 ORDER BY day, ministry, evaluator, rule_id`;
const rollup = () => queryRows(db.client, FIGURES('incident_verdicts_daily'));
const fromRaw = () => queryRows(db.client, FIGURES(`(${INCIDENT_VERDICTS_SELECT})`));

/** The evaluators page's verdicts as they were computed before the rollup: live flags joined with incidents. */
const JOINED = `SELECT toString(toMonday(fl.day)) AS week, fl.evaluator AS evaluator, fl.rule_id AS rule_id,
        uniqExact(i.incident_id) AS incidents, uniqExactIf(i.incident_id, i.verdict != '') AS reviewed,
        uniqExactIf(i.incident_id, i.verdict = 'confirmed') AS confirmed
   FROM (SELECT DISTINCT output_id, evaluator, rule_id, toDate(output_at) AS day FROM flags FINAL WHERE is_deleted = 0 AND ministry = 'mof') AS fl
  INNER JOIN (SELECT incident_id, output_id, rule_id, verdict FROM incidents FINAL ARRAY JOIN rule_ids AS rule_id) AS i
     ON fl.output_id = i.output_id AND fl.rule_id = i.rule_id
  GROUP BY GROUPING SETS ((evaluator, rule_id), (week, evaluator))`;

const MOF: Filters = { from: '2026-09-01', to: '2026-10-31', ministry: 'mof', app: null, model: null };
const sortRows = <T extends object>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();

/** The pages' answers from the rollup next to the same answers straight from the raw rows. */
async function pagesAgree() {
  const v = await verdicts(db.client, MOF);
  const joined = await queryRows<{ week: string; evaluator: string; rule_id: string; incidents: number; reviewed: number; confirmed: number }>(db.client, JOINED);
  const pick = ({ evaluator, rule_id, incidents, reviewed, confirmed }: (typeof joined)[number], week?: string) => ({ week, evaluator, rule_id, incidents, reviewed, confirmed });
  expect(sortRows(v.byRule.map((r) => pick(r)))).toEqual(sortRows(joined.filter((r) => r.rule_id !== '').map((r) => pick(r))));
  expect(sortRows(v.byWeek.map((r) => pick(r, r.week)))).toEqual(sortRows(joined.filter((r) => r.rule_id === '').map((r) => pick(r, r.week))));
  const [raw] = await queryRows<{ total: number; open: number; reviewed: number }>(
    db.client,
    `SELECT count() AS total, countIf(verdict = '') AS open, countIf(verdict != '') AS reviewed FROM incidents FINAL WHERE ministry = 'mof'`,
  );
  expect(await incidentCounts(db.client, MOF)).toEqual(raw);
  // The ministry page reads the counts with its accuracy figures (one query); per day, the verdicts.
  const acc = await accuracyWithIncidents(db.client, MOF, { cells: [], citationOutputs: new Map() });
  expect(acc.incidents).toEqual(raw);
  const perDay = await queryRows<{ day: string; reviewed: number; confirmed: number }>(
    db.client,
    `SELECT toString(toDate(output_at)) AS day, countIf(verdict != '') AS reviewed, countIf(verdict = 'confirmed') AS confirmed
       FROM incidents FINAL WHERE ministry = 'mof' GROUP BY day HAVING reviewed > 0 ORDER BY day`,
  );
  expect(acc.accuracy.filter((d) => d.reviewed > 0).map(({ day, reviewed, confirmed }) => ({ day, reviewed, confirmed }))).toEqual(perDay);
  return v;
}

const who = { actor: 'rev', role: 'reviewer', ip: '', user_agent: '' };

describe('incident_verdicts_daily', () => {
  it('the migration backfills with the same SELECT the writers and the crash check use', () => {
    const sql = readFileSync(`${MIGRATIONS_DIR}/0180_incident_verdicts_daily.sql`, 'utf8');
    const backfill = /INSERT INTO incident_verdicts_daily\s+(SELECT[\s\S]*?);\s*$/.exec(sql)![1];
    const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
    expect(norm(backfill)).toBe(norm(INCIDENT_VERDICTS_SELECT));
  });

  it('stays equal to the raw rows through opens, triage, re-evaluation and re-runs', async () => {
    await flags([flag('a1', 'cit_a'), flag('a1', 'cit_b'), flag('a1', 'leak_x'), flag('b2', 'leak_y')]);
    // The runner's incidents (one with two rules of one evaluator) and a reviewer's miss (no rules).
    await insertOpenedIncidents(
      db.client,
      [incident('inc-a1-cit', 'a1', 'hallucinated_citation', ['cit_a', 'cit_b']), incident('inc-a1-leak', 'a1', 'leakage', ['leak_x']), incident('inc-b2', 'b2', 'leakage', ['leak_y'])],
      'evaluator',
      () => 'opened',
    );
    await writeIncidents(db.client, [incident('inc-c3-miss', 'c3', 'off_policy', [], { source: 'review_sample' })]);
    expect(await rollup()).toEqual(await fromRaw());
    let v = await pagesAgree();
    // Counted once per rule, once per evaluator: the citation incident lists two rules.
    expect(v.byRule.filter((r) => r.evaluator === 'citations').map((r) => r.incidents)).toEqual([1, 1]);
    expect(v.byWeek.find((r) => r.evaluator === 'citations')!.incidents).toBe(1);
    expect(await incidentCounts(db.client, MOF)).toEqual({ total: 3, open: 3, reviewed: 0 });

    // Triage: new versions of the incident; only the latest counts.
    await transitionIncident(db.client, 'inc-a1-cit', 'triaged', { who, scope: null });
    await transitionIncident(db.client, 'inc-a1-cit', 'confirmed', { who, scope: null });
    await transitionIncident(db.client, 'inc-a1-leak', 'triaged', { who, scope: 'mof' });
    await transitionIncident(db.client, 'inc-a1-leak', 'false_positive', { who, scope: 'mof' });
    await transitionIncident(db.client, 'inc-b2', 'triaged', { who, scope: null });
    // An assignment keeps the verdict, hence the share: written without the two rollup inserts.
    const stored = async () => (await queryRows<{ n: number }>(db.client, 'SELECT count() AS n FROM incident_verdicts_daily'))[0].n;
    const before = await stored();
    await assignIncident(db.client, 'inc-b2', 'rev2', { who, scope: null });
    expect(await stored()).toBe(before);
    expect((await getIncident(db.client, 'inc-b2'))!.assignee).toBe('rev2');
    expect(await rollup()).toEqual(await fromRaw());
    v = await pagesAgree();
    expect(v.byWeek.find((r) => r.evaluator === 'citations')).toMatchObject({ incidents: 1, reviewed: 1, confirmed: 1 });
    expect(await incidentCounts(db.client, MOF)).toEqual({ total: 3, open: 1, reviewed: 2 });

    // Re-evaluation: a newer version withdraws cit_b and re-writes leak_x; the incident keeps listing cit_b.
    await flags([flag('a1', 'cit_b', { is_deleted: 1 }), flag('a1', 'leak_x')]);
    expect(await rollup()).toEqual(await fromRaw());
    v = await pagesAgree();
    expect(v.byRule.filter((r) => r.evaluator === 'citations').map((r) => r.rule_id)).toEqual(['cit_a']);
    expect(v.byRule.find((r) => r.rule_id === 'leak_x')!.incidents).toBe(1);
  });

  it('a day a crash left off is found and rebuilt, on the incident path and on the flags path', async () => {
    const days = ['2026-10-01', '2026-10-02'];
    expect((await reconcileRecentRollups(db.client, { repair: false, days })).drifted).toEqual([]);

    // A triage version written without the rollup (a crash between the inserts).
    const b2 = (await getIncident(db.client, 'inc-b2'))!;
    await insertRows(db.client, 'incidents', [{ ...b2, status: 'confirmed', verdict: 'confirmed', version: Number(b2.version) + 1, updated_at: undefined }]);
    const found = await reconcileRecentRollups(db.client, { repair: false });
    expect(found.drifted.map((d) => `${d.rollup} ${d.day}`)).toEqual(['incident_verdicts_daily 2026-10-02']);
    await reconcileRecentRollups(db.client);
    expect(await rollup()).toEqual(await fromRaw());

    // A flag withdrawn without the rollups: flags_daily drifts, and its day rebuilds the incident rollup too.
    await insertRows(db.client, 'flags', [{ ...flag('a1', 'cit_a', { is_deleted: 1 }), version: ++version }]);
    expect(await rollup()).not.toEqual(await fromRaw());
    const again = await reconcileRecentRollups(db.client, { days });
    expect(again.drifted.map((d) => `${d.rollup} ${d.day}`)).toEqual(['flags_daily 2026-10-01']);
    expect(await rollup()).toEqual(await fromRaw());
    const v = await pagesAgree();
    expect(v.byRule.some((r) => r.evaluator === 'citations')).toBe(false);
    expect((await reconcileRecentRollups(db.client, { repair: false, days })).drifted).toEqual([]);
  });
});
