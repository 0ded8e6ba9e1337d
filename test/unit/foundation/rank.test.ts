// rankSql: the sort rank by a list of values gives indexOf's numbers (which it replaced), for every
// listed value, an unknown one and values with quotes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../clickhouse/client.ts';
import { rankSql, severityRank } from '../../../clickhouse/rank.ts';
import { SEVERITIES } from '../../../contracts/severities.ts';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb('oversight-rank-');
}, 120_000);
afterAll(async () => {
  await db?.close();
});

describe('rankSql', () => {
  it("gives each value its 1-based place and anything else 0, as indexOf did, on String and LowCardinality columns", async () => {
    const list = ['new', "it's", 'back\\slash', 'resolved'];
    const probes = [...list, 'other', ''];
    const literal = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    const rows = await queryRows<{ v: string; r: number; lc: number; want: number }>(
      db.client,
      `SELECT v, ${rankSql('v', list)} AS r, ${rankSql('toLowCardinality(v)', list)} AS lc, indexOf([${list.map(literal).join(',')}], v) AS want
         FROM (SELECT arrayJoin([${probes.map(literal).join(',')}]) AS v)`,
    );
    expect(rows.map((r) => [r.v, Number(r.r), Number(r.lc)])).toEqual(probes.map((v) => [v, list.indexOf(v) + 1, list.indexOf(v) + 1]));
    for (const r of rows) expect(Number(r.r)).toBe(Number(r.want));
  });

  it('orders severities from info to critical', async () => {
    const rows = await queryRows<{ s: string }>(db.client, `SELECT arrayJoin(['high','info','critical','low','medium']) AS s ORDER BY ${severityRank('s')} DESC`);
    expect(rows.map((r) => r.s)).toEqual([...SEVERITIES].reverse());
  });
});
