// CSV exports (issue 15: "CSV export of 1 M rows with flat memory"). The incident queue's export —
// the product's incidentsCsv, as /incidents/export.csv runs it — of every row of a table of N
// incidents, each size exported by a fresh process of its own after another one seeded the table
// (bench/lib/csv-export-child.ts), so the memory figure is the export's and nothing else's. Flat memory means the process's RSS growth over the
// export does not follow the row count: the large export's growth is compared with the small one's.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from '../lib/report.ts';
import { progress } from '../lib/stats.ts';
import type { SectionContext } from '../section.ts';
import { sizesFor } from '../sizes.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SECTION = 'CSV export';
/** The large export may grow RSS by at most this much more than the small one. */
const FLAT_RATIO = 1.5;

interface ChildResult {
  rows: number;
  bytes: number;
  seconds: number;
  rss_before_mb: number;
  peak_rss_mb: number;
  anon_before_mb: number;
  peak_anon_mb: number;
}

function runChild(mode: 'seed' | 'export', rows: number, dataDir: string): Promise<ChildResult | null> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/lib/csv-export-child.ts'), mode, String(rows), dataDir], {
      cwd: ROOT,
      env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_CLUSTER: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
    child.on('error', fail);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && mode === 'seed') done(null);
      else if (code === 0 && line.startsWith('{')) done(JSON.parse(line) as ChildResult);
      else fail(new Error(`csv export child (${mode}, ${rows} rows) exited ${code}: ${err.split('\n').filter(Boolean).at(-1) ?? ''}`));
    });
  });
}

export async function runCsvExportBench(ctx: SectionContext): Promise<{ rows: BenchRow[]; details: unknown }> {
  // The quick run is the one whose sizes are below the full run's.
  const quick = ctx.sizes.kafkaEvents < sizesFor(false).kafkaEvents;
  const [small, large] = quick ? [20_000, 200_000] : [100_000, 1_000_000];
  const results: ChildResult[] = [];
  for (const n of [small, large]) {
    progress(`csv export: ${n.toLocaleString('en-US')} incidents`);
    const dir = join(ctx.workDir, `csv-export-${n}`);
    await runChild('seed', n, dir);
    results.push((await runChild('export', n, dir))!);
  }
  const [s, l] = results;
  const growth = (r: ChildResult) => Math.max(0, r.peak_rss_mb - r.rss_before_mb);
  const ratio = growth(s) > 0 ? growth(l) / growth(s) : null;
  const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
  const rows: BenchRow[] = [
    {
      section: SECTION,
      measure: `incident queue export, ${label(large)} rows (streamed)`,
      value: Math.round(l.rows / l.seconds),
      unit: 'rows/s',
      note: `${l.rows.toLocaleString('en-US')} rows, ${(l.bytes / 1024 / 1024).toFixed(0)} MB of CSV in ${l.seconds.toFixed(1)} s`,
    },
    {
      section: SECTION,
      measure: `RSS growth over the export, ${label(small)} rows`,
      value: Math.round(growth(s)),
      unit: 'MB',
      note: `RSS ${s.rss_before_mb} → peak ${s.peak_rss_mb} MB; anonymous ${s.anon_before_mb} → ${s.peak_anon_mb} MB`,
    },
    {
      section: SECTION,
      measure: `RSS growth over the export, ${label(large)} rows`,
      value: Math.round(growth(l)),
      unit: 'MB',
      ratio,
      ratioOf: `vs ${label(small)} rows`,
      target: `≤ ${FLAT_RATIO}× the ${label(small)} export's (flat)`,
      pass: ratio === null ? null : ratio <= FLAT_RATIO,
      note: `${large / small}× the rows; RSS ${l.rss_before_mb} → peak ${l.peak_rss_mb} MB; anonymous ${l.anon_before_mb} → ${l.peak_anon_mb} MB`,
    },
  ];
  return { rows, details: { small: s, large: l } };
}
