// A child process for the memory section: an embedded Oversight process (chDB in-process, with the
// CHDB_* bounds of its environment) that first builds a dashboard dataset, then answers every
// dashboard page's queries, then stays idle. It reports each phase on stdout as one JSON line, so the
// parent can reset the process's peak-RSS mark between phases and watch each one from /proc.
//   node --import tsx bench/sections/memory-serving-child.ts <data dir> <outputs> <days> <passes>
import { closeClickHouse, getClickHouse, queryRows } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';
import { DEFAULT_FLAG_MIX, insertDerived, insertRequests } from './dashboard/dataset.ts';
import { trafficShape } from './dashboard/distributions.ts';
import { PAGES } from './dashboard/pages.ts';

const [dataDir, outputsArg, daysArg, passesArg] = process.argv.slice(2);
const say = (phase: string, extra: Record<string, unknown> = {}) => process.stdout.write(JSON.stringify({ phase, ...extra }) + '\n');
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** What the engine itself says it holds: its non-empty caches and the memory its tracker counts, in KiB. */
async function engineMemory(client: Awaited<ReturnType<typeof getClickHouse>>): Promise<Record<string, number>> {
  const rows = await queryRows<{ metric: string; value: number }>(
    client,
    `SELECT metric, value FROM system.metrics
     WHERE (metric LIKE '%CacheBytes' AND value > 0) OR metric IN ('MemoryTracking', 'GlobalThreadIdle', 'GlobalThreadActive')`,
  );
  return Object.fromEntries(rows.map((r) => [r.metric, /Bytes|Tracking/.test(r.metric) ? Math.round(Number(r.value) / 2 ** 10) : Number(r.value)]));
}

const env = loadEnv({ ...process.env, CLICKHOUSE_URL: undefined, CLICKHOUSE_CLUSTER: undefined, OVERSIGHT_DATA_DIR: dataDir });
const client = await getClickHouse(env);
await migrate(client, { rawTextTtlDays: env.RAW_TEXT_TTL_DAYS });
const days = Number(daysArg);
const to = isoDay(Date.now() - 86_400_000);
const shape = trafficShape(isoDay(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000), days);
const outputs = Number(outputsArg);
await insertRequests(client, shape, 0, outputs);
await insertDerived(client, shape, 0, outputs, DEFAULT_FLAG_MIX);
say('built', { engine: await engineMemory(client) });

// Every page, through the same query functions the pages call, over the last 7, 30 and 90 days.
const ranges = [7, 30, 90].map((n) => ({ from: isoDay(Date.parse(`${to}T00:00:00Z`) - (n - 1) * 86_400_000), to, ministry: null, app: null, model: null }));
let queries = 0;
const t0 = performance.now();
for (let pass = 0; pass < Number(passesArg); pass++) {
  for (const page of PAGES) {
    const load = await page.load().catch(() => null);
    if (!load) continue;
    for (const f of ranges) {
      await load(client, page.ministryScoped ? { ...f, ministry: 'cao' } : f);
      queries++;
    }
  }
}
say('served', { page_loads: queries, ms: Math.round(performance.now() - t0), engine: await engineMemory(client) });
// Idle until the parent has sampled and stops us.
const keepAlive = setInterval(() => {}, 60_000); // a signal listener alone does not keep Node running
await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
clearInterval(keepAlive);
await closeClickHouse();
