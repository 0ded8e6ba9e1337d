// Rollup check and repair on chDB: the state a crash between a raw part and its views leaves behind
// (raw rows stored, a rollup short) is found and rebuilt, and untouched days are left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';
import { queryRows } from '../../../clickhouse/client.ts';
import { ROLLUP_CHECKS, reconcileRecentRollups, rollupDefinitions } from '../../../clickhouse/rollups.ts';
import { insertCompact } from '../../../pipelines/ingest.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db?.close());

const usage = (i: number, day: string) => ({
  event_id: `e${i}`, occurred_at: `${day}T0${i % 9}:00:00.000Z`, ministry: i % 2 ? 'mof' : 'mhlw', user_id: `u${i % 7}`,
  session_id: 's', request_id: `r${i}`, app: i % 3 ? 'chat' : 'drafting', model: 'm', input_tokens: 1, output_tokens: 1,
  latency_ms: 100 + i, status: 'ok', raw: '{}', src_topic: 't', src_partition: 0, src_offset: i,
});

describe('rollups', () => {
  it('every rollup of the migrations has a crash check', () => {
    const rollups = rollupDefinitions().map((d) => d.rollup).sort();
    expect(rollups).toEqual(Object.keys(ROLLUP_CHECKS).sort());
    expect(rollupDefinitions().find((d) => d.rollup === 'outputs_daily')!.source).toBe('outputs');
  });

  it('finds the days a crash left short and rebuilds them from the raw rows, exactly', async () => {
    await insertCompact(db.client, 'usage_events', [...Array.from({ length: 40 }, (_, i) => usage(i, '2026-10-01')), ...Array.from({ length: 30 }, (_, i) => usage(100 + i, '2026-10-02'))]);
    const clean = await reconcileRecentRollups(db.client, { repair: false });
    expect(clean.drifted).toEqual([]);
    expect(clean.checked.find((c) => c.rollup === 'usage_daily')).toEqual({ rollup: 'usage_daily', days: 2 });

    // A crash after the raw part and before the views leaves raw rows without their rollup rows: here
    // five new events, then the day's mof rows taken out of the three usage rollups.
    await db.client.command({ query: "INSERT INTO usage_events (event_id, occurred_at, ministry, user_id, session_id, request_id, app, model, input_tokens, output_tokens, latency_ms, status, raw, src_topic, src_partition, src_offset) SELECT 'x' || toString(number), toDateTime64('2026-10-02 10:00:00', 3, 'UTC'), 'mof', 'new-user-' || toString(number), 's', 'r', 'chat', 'm', 1, 1, 500, 'ok', '{}', 't', 0, number FROM numbers(5)" });
    for (const r of ['usage_daily', 'model_latency_daily']) {
      await db.client.command({ query: `ALTER TABLE ${r} DELETE WHERE day = '2026-10-02' AND ministry = 'mof' SETTINGS mutations_sync = 2` });
    }
    // A rollup with a row per user and month loses the month's mof rows. The check compares each day's
    // distinct users over all ministries: on 10-01 every mof user was also seen under mhlw, so only
    // 10-02 (five new mof users) is short, and its repair rebuilds the whole month.
    await db.client.command({ query: "ALTER TABLE user_days_monthly DELETE WHERE month = '2026-10-01' AND ministry = 'mof' SETTINGS mutations_sync = 2" });
    const found = await reconcileRecentRollups(db.client, { repair: false });
    expect(found.drifted.map((d) => `${d.rollup} ${d.day}`).sort()).toEqual([
      'model_latency_daily 2026-10-02', 'usage_daily 2026-10-02', 'user_days_monthly 2026-10-02',
    ]);

    const lines: string[] = [];
    await reconcileRecentRollups(db.client, { log: (l) => lines.push(l) });
    expect(lines.some((l) => /usage_daily 2026-10-02: \d+ counted, 35 in usage_events; rebuilding/.test(l))).toBe(true);
    expect((await reconcileRecentRollups(db.client, { repair: false })).drifted).toEqual([]);
    const [u] = await queryRows<{ requests: number; users: number }>(
      db.client,
      "SELECT (SELECT sum(requests) FROM usage_daily WHERE day = '2026-10-02') AS requests, (SELECT uniqExactMerge(users) FROM usage_daily WHERE day = '2026-10-02') AS users",
    );
    expect(u).toEqual({ requests: 35, users: 7 + 5 });
    const [m] = await queryRows<{ d1: number; d2: number; mof1: number }>(
      db.client,
      "SELECT uniqExactIf(user, bitTest(days, 0)) AS d1, uniqExactIf(user, bitTest(days, 1)) AS d2, uniqExactIf(user, bitTest(days, 0) AND ministry = 'mof') AS mof1 FROM user_days_monthly",
    );
    expect(m).toEqual({ d1: 7, d2: 7 + 5, mof1: 7 });
    const [d1] = await queryRows<{ requests: number }>(db.client, "SELECT sum(requests) AS requests FROM usage_daily WHERE day = '2026-10-01'");
    expect(d1.requests).toBe(40);
  });
});
