// One CSV export measured in processes of its own (spawned by bench/sections/csv-export.ts and the
// flat-memory test). `seed`: a fresh embedded database with `rows` incidents. `export` (a new process,
// so no memory the seeding freed is reused and hidden): the incident queue's export (the product's
// incidentsCsv, the code behind /incidents/export.csv) read to the end as a browser would. Prints one
// JSON line: the bytes and rows written, the time, and the process's resident memory before the export
// and at its peak during it. The peak is the kernel's own high-water mark (VmHWM), reset just before
// the export (/proc/self/clear_refs); RssAnon (heap, buffers, the engine's sort) is sampled too, apart
// from pages of the chDB library the export code touches.
import { writeFileSync } from 'node:fs';
import { closeClickHouse, getClickHouse } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';
import { FINDING_MESSAGES } from '../../contracts/finding-messages.ts';
import { CATEGORIES, SEVERITIES } from '../../contracts/severities.ts';
import { INCIDENT_STATUSES } from '../../contracts/incidents.ts';
import { parseIncidentFilter } from '../../src/lib/server/incident-queue.ts';
import { incidentsCsv } from '../../src/lib/server/streamed-exports.ts';
import { readMemory } from './proc-memory.ts';

const [mode, rowsArg, dir] = process.argv.slice(2);
const rows = Number(rowsArg);
if (!['seed', 'export'].includes(mode) || !Number.isInteger(rows) || rows <= 0 || !dir) throw new Error('usage: csv-export-child seed|export <rows> <data dir>');

const env = loadEnv({ ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_CLUSTER: '', OVERSIGHT_DATA_DIR: dir });
const client = await getClickHouse(env);
if (mode === 'seed') {
  await seed();
  await closeClickHouse();
  process.exit(0);
}

// Incidents shaped like the runner's: real rule ids (so titles are rendered in Japanese), a title that
// quotes flagged text with commas and quotes (so cells are escaped), spread over a year.
function list(xs: readonly string[]): string {
  return `[${xs.map((x) => `'${x}'`).join(',')}]`;
}
async function seed(): Promise<void> {
  await migrate(client, { rawTextTtlDays: env.RAW_TEXT_TTL_DAYS });
  const rules = Object.keys(FINDING_MESSAGES);
  await client.command({
    query: `INSERT INTO incidents (incident_id, output_id, ministry, app, model, category, severity, rule_ids, title, status, assignee, verdict, output_at, opened_at, version, source)
      SELECT concat('inc-', toString(number)), concat('out-', toString(number)),
             ${list(['mhlw', 'mlit', 'maff', 'mof', 'mext', 'meti', 'moj', 'env'])}[number % 8 + 1], concat('app-', toString(number % 12)),
             ${list(['gpt-4o', 'claude-3-5', 'gemini-1.5', 'llama-3-70b'])}[number % 4 + 1],
             ${list(CATEGORIES)}[number % ${CATEGORIES.length} + 1], ${list(SEVERITIES)}[number % ${SEVERITIES.length} + 1],
             [${list(rules)}[number % ${rules.length} + 1]],
             concat('引用「民法第', toString(number % 1000), '条」, "quoted" text of output ', toString(number)),
             ${list(INCIDENT_STATUSES)}[number % ${INCIDENT_STATUSES.length} + 1], if(number % 3 = 0, 'reviewer1', ''), '',
             toDateTime64('2026-01-01 00:00:00', 3, 'UTC') + toIntervalSecond(number % 31536000),
             toDateTime64('2026-01-01 00:00:00', 3, 'UTC') + toIntervalSecond(number % 31536000 + 60), 1, 'evaluator'
        FROM numbers({rows:UInt64})`,
    query_params: { rows },
  });
  await client.command({ query: 'OPTIMIZE TABLE incidents FINAL' });
}

const event = {
  locals: { user: { username: 'bench', role: 'admin' as const, ministry: null, display_name: 'bench' } },
  request: new Request('http://localhost/incidents/export.csv?sort=severity&dir=desc'),
  getClientAddress: () => '127.0.0.1',
};
await new Promise((r) => setTimeout(r, 300));
try {
  writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
} catch {
  // not Linux or not permitted: the sampled RSS below still bounds the peak from below
}
const before = readMemory(process.pid);
let peakAnonKb = before?.anonKb ?? 0;
let peakRssKb = before?.rssKb ?? 0;
const sampler = setInterval(() => {
  const m = readMemory(process.pid);
  if (m) {
    peakAnonKb = Math.max(peakAnonKb, m.anonKb);
    peakRssKb = Math.max(peakRssKb, m.rssKb);
  }
}, 20);

const t0 = performance.now();
const res = await incidentsCsv(client, event as never, {
  filter: parseIncidentFilter(new URLSearchParams('sort=severity&dir=desc')),
  scope: null,
  lang: 'ja',
  filters: 'sort=severity&dir=desc',
});
let bytes = 0;
let lines = 0;
for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
  bytes += chunk.length;
  for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
}
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
const after = readMemory(process.pid);
await closeClickHouse();
const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
process.stdout.write(
  JSON.stringify({
    rows: lines - 1,
    bytes,
    seconds,
    rss_before_mb: mb(before?.rssKb ?? 0),
    peak_rss_mb: mb(Math.max(peakRssKb, after?.hwmKb ?? 0)),
    anon_before_mb: mb(before?.anonKb ?? 0),
    peak_anon_mb: mb(peakAnonKb),
  }) + '\n',
);
