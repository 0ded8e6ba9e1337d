// Dashboard queries: p50/p95 of each page's data at each dataset size, through the rollups and through
// the same queries rewritten onto the raw tables, with the two answers compared.
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import { MINISTRIES } from '../../../contracts/ministries.ts';
import type { BenchRow } from '../../lib/report.ts';
import { notAvailable } from '../../lib/report.ts';
import { percentile, progress, sleep, timed } from '../../lib/stats.ts';
import { allTables, tableStorage } from '../../lib/storage.ts';
import { sizeLabel } from '../../sizes.ts';
import { compareAnswers } from './compare.ts';
import { DEFAULT_FLAG_MIX, insertDerived, insertRequests, type FlagKind } from './dataset.ts';
import { trafficShape } from './distributions.ts';
import { PAGES as ANALYTICS_PAGES, type PageLoader, type VariantContext } from './pages.ts';
import { aDayOfTriage, insertStaff, insertStaffActivity } from './triage-data.ts';
import { TRIAGE_PAGES } from './triage-pages.ts';
import { INGEST_LOOKUP_PAGES } from './ingest-lookup.ts';
import { growthMarkdown, growthRows } from './growth.ts';
import { instrumentedClient, rollupDefinitions, type QueryLog } from './raw-client.ts';
import { countCompletedWeeks } from '../../../src/lib/server/queries/weekly-active-users.ts';

export interface DashboardOptions {
  /** Dataset sizes in outputs, ascending; each is a top-up of the previous one. */
  sizes: number[];
  /** Days the data spans, ending yesterday (UTC). */
  days: number;
  rollupRuns: number;
  rawRuns: number;
  flagMix?: FlagKind[];
  flagMixSource?: string;
}

export interface DashboardDetails {
  dataset: Record<string, unknown>[];
  pages: Record<string, unknown>[];
  /** Each page's p95 at every size, side by side (growth.ts), as Markdown for the result file. */
  markdown?: string;
}

const PAGES = [...ANALYTICS_PAGES, ...TRIAGE_PAGES, ...INGEST_LOOKUP_PAGES];

/**
 * Timed loads of a whole CSV download at most: it has no latency target, and at 100 M outputs one
 * download of the audit log takes seconds.
 */
const DOWNLOAD_RUNS = 20;

/** A page's figures by size (created on first use). */
function bySize(m: Map<string, Map<number, number>>, page: string): Map<number, number> {
  let sizes = m.get(page);
  if (!sizes) m.set(page, (sizes = new Map()));
  return sizes;
}

/** Rows per INSERT ... SELECT: bounds the engine's memory for the derived inserts and gives progress lines. */
const GENERATION_CHUNK = 10_000_000;

/** Every table whose rows and bytes on disk the dataset lines report. */
const COUNTED_TABLES = [
  'usage_events', 'outputs', 'feedback', 'flags', 'incidents', 'incident_events', 'audit_log', 'users', 'ingest_errors',
  'usage_daily', 'outputs_daily', 'feedback_daily',
];

const SECTION = 'Dashboard';
const P95_TARGET_MS = 300;
const RAW_RATIO_TARGET = 10;

type Filters = import('../../../src/lib/server/queries/filters.ts').Filters;

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The views a user opens: last 7, 30 and 90 days; ministry pages cycle through the largest ministries. */
function filterVariants(to: string, ministryScoped: boolean): Filters[] {
  const back = (n: number) => isoDay(new Date(Date.parse(`${to}T00:00:00Z`) - (n - 1) * 86_400_000));
  const big = [...MINISTRIES].sort((a, b) => b.planned_users - a.planned_users).slice(0, 3).map((m) => m.code);
  const ranges = [30, 7, 90];
  return ranges.map((days, i) => ({
    from: back(days),
    to,
    ministry: ministryScoped ? big[i % big.length] : null,
    app: null,
    model: null,
  }));
}

async function waitForMerges(client: ClickHouseClient, maxMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const rs = await client.query({ query: 'SELECT count() AS n FROM system.merges', format: 'JSONEachRow' });
    const [{ n }] = await rs.json<{ n: number }>();
    if (Number(n) === 0 || Date.now() - t0 > maxMs) return Number(n);
    await sleep(1000);
  }
}

async function countOf(client: ClickHouseClient, table: string): Promise<number> {
  const rs = await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: number }>())[0].n);
}

async function timeLoader(loader: PageLoader, client: ClickHouseClient, variants: unknown[], runs: number, rowsRead?: { rows: number; ms: number }): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = await timed(() => loader(client, variants[i % variants.length]));
    samples.push(t.ms);
    // A CSV download answers { rows, bytes }: its rows per second across the timed runs.
    const rows = (t.value as { rows?: unknown } | null)?.rows;
    if (rowsRead && typeof rows === 'number') {
      rowsRead.rows += rows;
      rowsRead.ms += t.ms;
    }
  }
  return samples;
}

export async function runDashboardBench(client: ClickHouseClient, opts: DashboardOptions): Promise<{ rows: BenchRow[]; details: DashboardDetails }> {
  const rows: BenchRow[] = [];
  const details: DashboardDetails = { dataset: [], pages: [] };
  const to = isoDay(new Date(Date.now() - 86_400_000));
  const startDay = isoDay(new Date(Date.parse(`${to}T00:00:00Z`) - (opts.days - 1) * 86_400_000));
  const shape = trafficShape(startDay, opts.days);
  const mix = opts.flagMix ?? DEFAULT_FLAG_MIX;
  const defs = rollupDefinitions();

  const loaders = new Map<string, PageLoader | Error>();
  for (const page of PAGES) {
    try {
      loaders.set(page.name, await page.load());
    } catch (err) {
      loaders.set(page.name, err as Error);
    }
  }
  const p95BySize = new Map<string, Map<number, number>>();
  const p50BySize = new Map<string, Map<number, number>>();

  // A reused data directory (--reuse) already holds outputs o0 .. o<have-1>: top up from there.
  let have = await countOf(client, 'outputs');
  if (have > 0) progress(`dashboard: reusing ${have.toLocaleString()} outputs already stored`);
  for (const size of opts.sizes) {
    if (size < have) {
      progress(`dashboard: skipping ${size.toLocaleString()} outputs: the reused data already holds ${have.toLocaleString()}`);
      continue;
    }
    const gen = await timed(async () => {
      progress(`dashboard: generating outputs ${have.toLocaleString()} → ${size.toLocaleString()} (${startDay}..${to})`);
      if (have === 0) {
        await insertStaff(client);
        await insertStaffActivity(client, startDay, opts.days);
      }
      for (let at = have; at < size; at += GENERATION_CHUNK) {
        const n = Math.min(GENERATION_CHUNK, size - at);
        const t0 = Date.now();
        await insertRequests(client, shape, at, n, size);
        await insertDerived(client, shape, at, n, mix);
        progress(`dashboard:   outputs ${(at + n).toLocaleString()} of ${size.toLocaleString()} written (${((Date.now() - t0) / 1000).toFixed(0)} s for this chunk)`);
      }
    });
    have = size;
    const pending = await waitForMerges(client, 60_000);
    const counts: Record<string, number> = {};
    for (const t of COUNTED_TABLES) {
      counts[t] = await countOf(client, t);
    }
    const storage = await tableStorage(client, await allTables(client));
    const bytesOnDisk = storage.reduce((a, t) => a + t.bytes_on_disk, 0);
    progress(`dashboard: ${(bytesOnDisk / 1e9).toFixed(2)} GB on disk in ${storage.length} tables`);
    progress(`dashboard: ${size.toLocaleString()} outputs ready in ${(gen.ms / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`);
    // The incident pages are timed on the table as a running store holds it (aDayOfTriage).
    const day = await timed(() => aDayOfTriage(client, to));
    progress(
      `dashboard: incidents as a running store holds them: the history merged into one part, then a day of triage on top ` +
        `(${day.value.versions.toLocaleString()} versions in ${day.value.inserts} inserts, ${(day.ms / 1000).toFixed(1)} s)`,
    );
    // The stored weekly active users, as a serving process's hourly job keeps them (migration 0195): every
    // week that is over by today (the day after `to`); the current week stays counted live, as in production.
    const weekly = await timed(() => countCompletedWeeks(client, { today: isoDay(new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000)), settleMs: 0 }));
    progress(`dashboard: weekly active users of the completed weeks counted (${weekly.value.counted} ministry-weeks, ${(weekly.ms / 1000).toFixed(1)} s)`);
    details.dataset.push({
      size, generate_ms: Math.round(gen.ms), merges_still_running: pending, rows: counts, storage, bytes_on_disk: bytesOnDisk,
      incident_day: { ...day.value, ms: Math.round(day.ms) },
      weekly_active_users: { ...weekly.value, ms: Math.round(weekly.ms) },
    });
    const label = sizeLabel(size);
    const variantCtx: VariantContext = { client, to, back: (n) => isoDay(new Date(Date.parse(`${to}T00:00:00Z`) - (n - 1) * 86_400_000)) };

    for (const page of PAGES) {
      const loader = loaders.get(page.name)!;
      const measure = `${page.name} page data @ ${label} outputs`;
      if (loader instanceof Error) {
        rows.push(notAvailable(SECTION, measure, 'ms p95', `queries not loadable (${loader.message.split('\n')[0]})`, `< ${P95_TARGET_MS} ms`));
        continue;
      }
      try {
        const variants = page.variants ? await page.variants(variantCtx) : filterVariants(to, page.ministryScoped ?? false);
        if (variants.length === 0) throw new Error('no views to load (no data for this page)');
        const rollupLog: QueryLog = { queries: 0, rollupQueries: 0, tables: new Set() };
        const rawLog: QueryLog = { queries: 0, rollupQueries: 0, tables: new Set() };
        const viaRollup = instrumentedClient(client, 'rollup', defs, rollupLog);
        const viaRaw = instrumentedClient(client, 'raw', defs, rawLog);
        const answerRollup = await loader(viaRollup, variants[0]); // also the warm-up
        const usesRollups = rollupLog.rollupQueries > 0;
        const rowsRead = { rows: 0, ms: 0 };
        const runs = page.latencyTarget === false ? Math.min(opts.rollupRuns, DOWNLOAD_RUNS) : opts.rollupRuns;
        const rollupMs = await timeLoader(loader, viaRollup, variants, runs, rowsRead);
        const p50 = percentile(rollupMs, 50);
        const p95 = percentile(rollupMs, 95);
        let rawP50: number | null = null;
        let rawP95: number | null = null;
        let agreement: ReturnType<typeof compareAnswers> | null = null;
        if (usesRollups) {
          const answerRaw = await loader(viaRaw, variants[0]);
          agreement = compareAnswers(answerRollup, answerRaw);
          const rawMs = await timeLoader(loader, viaRaw, variants, opts.rawRuns);
          rawP50 = percentile(rawMs, 50);
          rawP95 = percentile(rawMs, 95);
        }
        const ratio = rawP50 !== null ? rawP50 / p50 : null;
        const latencyTarget = page.latencyTarget ?? true;
        const pass = latencyTarget ? p95 < P95_TARGET_MS && (ratio === null || ratio >= RAW_RATIO_TARGET) && (agreement?.agree ?? true) : null;
        const noteParts = [`p50 ${p50.toFixed(1)} ms`];
        if (rowsRead.ms > 0) noteParts.push(`${Math.round(rowsRead.rows / runs).toLocaleString('en')} rows per download on average, ${Math.round((rowsRead.rows / rowsRead.ms) * 1000).toLocaleString('en')} rows/s`);
        if (usesRollups) {
          noteParts.push(`raw p50/p95 ${rawP50!.toFixed(0)}/${rawP95!.toFixed(0)} ms`);
          noteParts.push(agreement!.agree ? 'answers agree' : `ANSWERS DIFFER (${agreement!.examples.join('; ')})`);
        } else {
          noteParts.push(rollupLog.tables.size ? `reads no rollup (${[...rollupLog.tables].join(', ')})` : 'reads no rollup');
        }
        rows.push({
          section: SECTION,
          measure,
          value: p95,
          unit: 'ms p95',
          ratio,
          ratioOf: ratio === null ? undefined : 'faster than raw (p50)',
          target: !latencyTarget ? '' : usesRollups ? `< ${P95_TARGET_MS} ms, >= ${RAW_RATIO_TARGET}× raw` : `< ${P95_TARGET_MS} ms`,
          pass,
          note: noteParts.join('; '),
        });
        details.pages.push({
          page: page.name, size, p50_ms: p50, p95_ms: p95, raw_p50_ms: rawP50, raw_p95_ms: rawP95, runs,
          raw_runs: usesRollups ? opts.rawRuns : 0, queries_per_load: rollupLog.queries / (runs + 1),
          tables: [...rollupLog.tables], agreement, variants,
        });
        bySize(p95BySize, page.name).set(size, p95);
        bySize(p50BySize, page.name).set(size, p50);
        progress(`dashboard: ${measure}: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms` + (rawP50 !== null ? `, raw p50 ${rawP50.toFixed(0)} ms` : ''));
      } catch (err) {
        rows.push(notAvailable(SECTION, measure, 'ms p95', `query failed: ${(err as Error).message.split('\n')[0]}`, `< ${P95_TARGET_MS} ms`));
      }
    }
  }
  const untargeted = new Set(PAGES.filter((p) => p.latencyTarget === false).map((p) => p.name));
  rows.push(...growthRows(SECTION, opts.sizes, p95BySize, details.dataset, untargeted, p50BySize));
  details.markdown = growthMarkdown(opts.sizes, p95BySize, details.dataset);
  details.dataset.push({ flag_mix_source: opts.flagMixSource ?? 'assumed (DEFAULT_FLAG_MIX)', flag_mix: mix, days: opts.days, from: startDay, to });
  return { rows, details };
}
