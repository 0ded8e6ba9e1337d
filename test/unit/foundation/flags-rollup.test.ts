// The flags rollup (flags_daily, migration 0150) on chDB: writeFlags keeps it equal to the live flags
// through first runs, re-runs of the same keys, supersessions and severity changes; the crash check
// finds a day it left short and rebuilds it; the migration's backfill is the module's SELECT.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';
import { queryRows } from '../../../clickhouse/client.ts';
import { FLAGS_DAILY_SELECT } from '../../../clickhouse/flags-rollup.ts';
import { MIGRATIONS_DIR } from '../../../clickhouse/migrate.ts';
import { reconcileRecentRollups } from '../../../clickhouse/rollups.ts';
import { writeFlags } from '../../../clickhouse/stores/evaluation.ts';
import type { FlagRow } from '../../../contracts/tables.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb('oversight-flags-rollup-');
});
afterAll(async () => db?.close());

let version = 0;
function flag(output: string, rule: string, severity: string, start: number, o: Partial<FlagRow> = {}): FlagRow {
  const citation = rule.startsWith('cit_');
  return {
    output_id: output, evaluator: citation ? 'citations' : 'leakage', evaluator_version: '1', category: citation ? 'hallucinated_citation' : 'leakage',
    rule_id: rule, severity, confidence: 0.9, where: 'response', evidence: '[]', evidence_start: start, explanation: '',
    ministry: output.startsWith('m') ? 'mof' : 'mhlw', app: 'chat', model: 'model-a', output_at: output.endsWith('2') ? '2026-10-02 09:00:00.000' : '2026-10-01 09:00:00.000',
    version: 0, is_deleted: 0, ...o,
  };
}
/** A runner batch: every row gets the batch's version, as evaluators/runner.ts writes them. */
const write = (rows: FlagRow[]) => writeFlags(db.client, rows.map((r) => ({ ...r, version: ++version })));

interface Figures { day: string; evaluator: string; rule_id: string; severity: string; flags: number; outputs: number; citation_outputs: number }
const FIGURES = (from: string) => `SELECT toString(day) AS day, evaluator, rule_id, severity, sum(flags) AS flags, sum(outputs) AS outputs,
    sum(citation_outputs) AS citation_outputs FROM ${from} GROUP BY day, evaluator, rule_id, severity HAVING flags != 0 ORDER BY day, evaluator, rule_id, severity`;
const rollup = () => queryRows<Figures>(db.client, FIGURES('flags_daily'));
const fromRaw = () => queryRows<Figures>(db.client, FIGURES(`(${FLAGS_DAILY_SELECT})`));

/** Distinct figures straight from the live flags, the way the pages used to count them. */
async function distinct() {
  const [r] = await queryRows<{ cit1: number; rule_outputs: number }>(
    db.client,
    `SELECT uniqExactIf(output_id, category = 'hallucinated_citation' AND severity != 'info' AND toDate(output_at) = '2026-10-01') AS cit1,
            uniqExactIf(output_id, rule_id = 'cit_a') AS rule_outputs
       FROM flags FINAL WHERE is_deleted = 0`,
  );
  const [s] = await queryRows<{ cit1: number; rule_outputs: number }>(
    db.client,
    `SELECT sumIf(citation_outputs, day = '2026-10-01') AS cit1, sumIf(outputs, rule_id = 'cit_a') AS rule_outputs FROM flags_daily`,
  );
  return { raw: r, rollup: s };
}

describe('flags_daily', () => {
  it('the migration backfills with the same SELECT the runner and the crash check use', () => {
    const sql = readFileSync(`${MIGRATIONS_DIR}/0150_flags_daily.sql`, 'utf8');
    const backfill = /INSERT INTO flags_daily\s+(SELECT[\s\S]*?);\s*$/.exec(sql)![1];
    const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
    expect(norm(backfill)).toBe(norm(FLAGS_DAILY_SELECT));
  });

  it('stays equal to the live flags through re-runs, supersessions and severity changes', async () => {
    // First run: m1 has two cit_a flags (high and medium) and an info one; m2 one cit_a; h1 a leak and an info citation.
    await write([
      flag('m1', 'cit_a', 'high', 1), flag('m1', 'cit_a', 'medium', 9), flag('m1', 'cit_info', 'info', 20),
      flag('m2', 'cit_a', 'medium', 3), flag('h1', 'leak_x', 'low', 0), flag('h1', 'cit_info', 'info', 4),
    ]);
    expect(await rollup()).toEqual(await fromRaw());
    expect(await distinct()).toEqual({ raw: { cit1: 1, rule_outputs: 2 }, rollup: { cit1: 1, rule_outputs: 2 } });

    // A re-run writes the same keys again: nothing may be counted twice.
    await write([flag('m1', 'cit_a', 'high', 1), flag('m1', 'cit_a', 'medium', 9), flag('m1', 'cit_info', 'info', 20)]);
    expect(await rollup()).toEqual(await fromRaw());
    const [{ n }] = await queryRows<{ n: number }>(db.client, "SELECT sum(flags) AS n FROM flags_daily WHERE rule_id = 'cit_a'");
    expect(n).toBe(3);

    // A new version supersedes m1's high flag and downgrades h1's info citation to a real finding.
    await write([flag('m1', 'cit_a', 'high', 1, { is_deleted: 1 }), flag('h1', 'cit_info', 'medium', 4)]);
    expect(await rollup()).toEqual(await fromRaw());
    expect(await distinct()).toEqual({ raw: { cit1: 2, rule_outputs: 2 }, rollup: { cit1: 2, rule_outputs: 2 } });

    // The last cit_a flag of m1 goes too: m1 no longer counts for the rule.
    await write([flag('m1', 'cit_a', 'medium', 9, { is_deleted: 1 })]);
    expect(await rollup()).toEqual(await fromRaw());
    expect(await distinct()).toEqual({ raw: { cit1: 1, rule_outputs: 1 }, rollup: { cit1: 1, rule_outputs: 1 } });
  });

  it('a day a crash left short is found and rebuilt from the live flags', async () => {
    expect((await reconcileRecentRollups(db.client, { repair: false, days: ['2026-10-01', '2026-10-02'] })).drifted).toEqual([]);
    // A crash after the flags insert and before the rollup's: the flags are stored, the rollup misses them.
    await db.client.insert({ table: 'flags', format: 'JSONEachRow', values: [{ ...flag('m9', 'leak_y', 'high', 0), version: ++version }] });
    const found = await reconcileRecentRollups(db.client, { repair: false });
    expect(found.drifted.map((d) => `${d.rollup} ${d.day} ${d.rollupValue}→${d.raw}`)).toEqual(['flags_daily 2026-10-01 3→4']);
    await reconcileRecentRollups(db.client);
    expect(await rollup()).toEqual(await fromRaw());
    expect((await reconcileRecentRollups(db.client, { repair: false, days: ['2026-10-01', '2026-10-02'] })).drifted).toEqual([]);
  });
});
