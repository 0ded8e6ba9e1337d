import { rmSync, existsSync } from 'node:fs';
import { loadEnv } from '/work/main/config/env.ts';
import { getClickHouse } from '/work/main/clickhouse/client.ts';
import { migrate } from '/work/main/clickhouse/migrate.ts';
const N = Number(process.env.N ?? 770000);
const dir = `/tmp/exp/top-${N}`;
const fresh = !existsSync(dir);
const env = loadEnv({ ...process.env, OVERSIGHT_DATA_DIR: dir });
const client = await getClickHouse(env);
await migrate(client, { rawTextTtlDays: 400 });
const DAYS = 180, perDay = Math.ceil(N / DAYS);
const cmd = (q: string) => client.command({ query: q });
if (fresh) {
  for (let d = 0; d < DAYS; d++) {
    const base = `toDateTime64('2026-06-01 00:00:00', 3, 'UTC') + INTERVAL ${d} DAY`;
    await cmd(`INSERT INTO incidents (incident_id, output_id, ministry, app, model, category, severity, rule_ids, title, status, assignee, verdict, output_at, opened_at, updated_at, version)
      SELECT generateUUIDv4(number), concat('o', toString(${d * perDay} + number)),
        ['mhlw','mof','moj','mext','maff','meti','mlit','env','mod','mofa','soumu','cao','npa','fsa','dig'][number % 15 + 1],
        ['chat','draft','translate'][number % 3 + 1], ['tsuzumi-2','plamo','llm-jp'][number % 3 + 1],
        ['hallucinated_citation','off_policy','leakage'][cityHash64(number, 1) % 3 + 1],
        ['high','critical'][cityHash64(number, 2) % 2 + 1], ['r1'], 'title of the incident', 'new', '', '',
        ${base} + INTERVAL (number % 86400) SECOND, ${base} + INTERVAL (number % 86400) SECOND, ${base} + INTERVAL (number % 86400) SECOND, 1
      FROM numbers(${perDay})`);
    for (const back of [1, 3, 14]) {
      const od = d - back;
      if (od < 0) continue;
      const status = back === 1 ? 'triaged' : back === 3 ? 'confirmed' : 'resolved';
      await cmd(`INSERT INTO incidents SELECT incident_id, output_id, ministry, app, model, category, severity, rule_ids, title, '${status}',
          concat('reviewer', toString(cityHash64(incident_id) % 40)), if('${status}'='triaged','', 'confirmed'), output_at, opened_at,
          opened_at + INTERVAL ${back} DAY, version + 1, source
        FROM incidents FINAL WHERE toDate(opened_at) = toDate('2026-06-01') + ${od} AND cityHash64(incident_id, ${back}) % 10 < 7`);
    }
  }
  await new Promise((r) => setTimeout(r, 20000));
}
const COLS = `incident_id, ministry, app, model, category, severity, rule_ids, status, verdict, formatDateTime(opened_at, '%Y-%m-%d %H:%i', 'UTC') AS opened_at`;
const W = `toDate(output_at) >= '2026-10-29' AND toDate(output_at) <= '2026-11-27' AND ministry = 'mhlw'`;
const ORD = `ORDER BY indexOf(['info','low','medium','high','critical'], severity) DESC, incidents.opened_at DESC, incident_id LIMIT 10`;
const q = async (sql: string) => { const t = performance.now(); const r = await (await client.query({ query: sql, format: 'JSONEachRow' })).json<any>(); return { ms: performance.now() - t, r }; };
for (let k = 0; k < 4; k++) {
  const a = await q(`SELECT ${COLS} FROM incidents FINAL WHERE ${W} ${ORD}`);
  const t = performance.now();
  const ids = (await (await client.query({ query: `SELECT incident_id FROM incidents WHERE ${W} ORDER BY indexOf(['info','low','medium','high','critical'], severity) DESC, opened_at DESC, incident_id LIMIT 1 BY incident_id LIMIT 10`, format: 'JSONEachRow' })).json<any>()).map((r: any) => r.incident_id);
  const t1 = performance.now() - t;
  const b = await (await client.query({ query: `SELECT ${COLS} FROM incidents FINAL WHERE incident_id IN {ids:Array(String)} ${ORD}`, query_params: { ids }, format: 'JSONEachRow' })).json<any>();
  const t2 = performance.now() - t;
  console.log(`where ${a.ms.toFixed(0)} ms; two steps ${t2.toFixed(0)} ms (ids ${t1.toFixed(0)}); same ${JSON.stringify(a.r) === JSON.stringify(b)}`);
}
process.exit(0);
