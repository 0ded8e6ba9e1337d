// The bench orchestrator: runs each section in its own temporary data directory under /tmp, collects
// one table of rows, prints it on stdout and writes JSON + Markdown results with the machine details.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeClickHouse, getClickHouse } from '../clickhouse/client.ts';
import { migrate } from '../clickhouse/migrate.ts';
import { loadEnv } from '../config/env.ts';
import { machineInfo } from './lib/machine.ts';
import { markdownTable, notAvailable, type BenchRow } from './lib/report.ts';
import { progress } from './lib/stats.ts';
import { sizeLabel, sizesFor, sizesForDashboardRun, type BenchSizes } from './sizes.ts';
import { BENCH_SECTIONS, type BenchSection, type SectionContext } from './section.ts';

export interface BenchOptions {
  quick: boolean;
  sections: Set<BenchSection>;
  /** Only some sections ran: results go to the scratch directory so they never replace a full run. */
  partial: boolean;
  outDir?: string;
  keep: boolean;
  /** Write V8 CPU profiles of the ingester child (node --cpu-prof) into this directory. */
  profile: boolean;
  /**
   * `--size 100M` (or a list like `1M,10M,100M`): the dashboard's dataset sizes for a growth run over
   * half a year. Its results are `bench/results/size-<largest>.{json,md}`, next to latest.*, never
   * replacing the full run's.
   */
  size?: string;
  /**
   * A work directory kept by an earlier `--keep` run: its data is reused (the dashboard tops it up to
   * the sizes asked for and measures the sizes at or above what it holds) and the directory is kept.
   */
  reuse?: string;
}

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

interface SectionResult {
  rows: BenchRow[];
  details?: unknown;
}

type SectionRunner = (ctx: SectionContext) => Promise<SectionResult>;

/** Sections are imported when they run: a part that has not landed only costs its own rows. */
const RUNNERS: Record<BenchSection, { title: string; run: () => Promise<SectionRunner> }> = {
  evaluators: { title: 'Evaluators', run: async () => (await import('./sections/evaluators.ts')).runEvaluatorBench },
  ingestion: { title: 'Ingestion', run: async () => (await import('./sections/file-source.ts')).runFileSourceBench },
  kafka: { title: 'Ingestion', run: async () => (await import('./sections/kafka.ts')).runKafkaBench },
  memory: { title: 'Memory', run: async () => (await import('./sections/memory.ts')).runMemoryBench },
  dashboard: {
    title: 'Dashboard',
    run: async () => {
      const { runDashboardBench } = await import('./sections/dashboard/index.ts');
      return (ctx) =>
        runDashboardBench(ctx.client, {
          ...ctx.sizes.dashboard,
          flagMix: ctx.shared.flagMix as never,
          flagMixSource: ctx.shared.flagMixSource as string | undefined,
        });
    },
  },
  // Issue 15: the streamed incident export at two sizes, each in a process of its own.
  csv: { title: 'CSV export', run: async () => (await import('./sections/csv-export.ts')).runCsvExportBench },
};
const ORDER: readonly BenchSection[] = BENCH_SECTIONS;

function stamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-').slice(0, 19) + 'Z';
}

export async function runBench(opts: BenchOptions): Promise<void> {
  const started = new Date();
  const sizes = sizesFor(opts.quick);
  if (opts.size) sizes.dashboard = sizesForDashboardRun(opts.size);
  const mode = opts.size ? `size-${sizeLabel(Math.max(...sizes.dashboard.sizes))}` : opts.quick ? 'quick' : 'full';
  const workDir = opts.reuse ? resolve(opts.reuse) : mkdtempSync(join(tmpdir(), 'oversight-bench-'));
  const dataDir = join(workDir, 'db');
  // The bench always measures the embedded engine in its own directory, never ./data or a server.
  const env = loadEnv({ ...process.env, CLICKHOUSE_URL: undefined, CLICKHOUSE_CLUSTER: undefined, OVERSIGHT_DATA_DIR: dataDir });
  progress(`${mode} run; data under ${workDir}`);
  const client = await getClickHouse(env);
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {};
  let clickhouseVersion = 'unknown';
  try {
    await migrate(client, { rawTextTtlDays: env.RAW_TEXT_TTL_DAYS });
    const rs = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
    clickhouseVersion = `chDB (ClickHouse ${(await rs.json<{ v: string }>())[0].v})`;
    const profileDir = opts.profile ? join(RESULTS_DIR, 'tmp', 'profiles') : undefined;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const ctx: SectionContext = { env, client, workDir, sizes, profileDir, shared: {} };
    for (const name of ORDER) {
      if (!opts.sections.has(name)) continue;
      const { title, run } = RUNNERS[name];
      const t0 = Date.now();
      progress(`section ${name}: start`);
      try {
        const runner = await run();
        const res = await runner(ctx);
        rows.push(...res.rows);
        details[name] = res.details ?? null;
      } catch (err) {
        const msg = (err as Error).message?.split('\n')[0] ?? String(err);
        progress(`section ${name} failed: ${(err as Error).stack ?? msg}`);
        rows.push(notAvailable(title, `${name} section`, '', msg));
        details[name] = { error: msg };
      }
      progress(`section ${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await closeClickHouse();
    if (!opts.keep && !opts.reuse) rmSync(workDir, { recursive: true, force: true });
  }
  const finished = new Date();
  const result = {
    mode,
    sections: ORDER.filter((s) => opts.sections.has(s)),
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_s: Math.round((finished.getTime() - started.getTime()) / 100) / 10,
    machine: machineInfo(clickhouseVersion),
    sizes,
    rows,
    details,
  };
  const table = markdownTable(rows);
  process.stdout.write(`\n${table}\n\n`);
  // A --size run is a result of its own (size-100M.*), committed next to latest.*.
  const scratch = opts.size ? false : opts.quick || opts.partial;
  const outDir = resolve(opts.outDir ?? (scratch ? join(RESULTS_DIR, 'tmp') : RESULTS_DIR));
  writeResults(outDir, result, table, stamp(started));
  progress(`${result.mode} run finished in ${result.duration_s} s; results in ${outDir}`);
  // The rollup and raw answers must agree: a disagreement means the rollups drifted from the raw data,
  // which is a correctness failure, not a slow figure.
  const pages = ((details.dashboard as { pages?: { page: string; size: number; agreement: { agree: boolean } | null }[] } | null)?.pages ?? []);
  const differing = pages.filter((p) => p.agreement && !p.agreement.agree);
  if (differing.length) {
    progress(`rollup and raw answers differ for: ${differing.map((p) => `${p.page}@${p.size}`).join(', ')}`);
    process.exitCode = 1;
  }
}

function markdownReport(result: { mode: string; started_at: string; duration_s: number; machine: object; sizes: BenchSizes; details?: object }, table: string): string {
  const m = result.machine as Record<string, unknown>;
  // Sections may add tables of their own (the dashboard's growth table) after the main one.
  const extra = Object.values(result.details ?? {})
    .map((d) => (d && typeof d === 'object' && typeof (d as { markdown?: unknown }).markdown === 'string' ? (d as { markdown: string }).markdown : ''))
    .filter(Boolean);
  return [
    `# Oversight bench (${result.mode} run, ${result.started_at})`,
    '',
    `Machine: ${m.cpu_model}, ${m.cores} cores, ${m.memory_gb} GB RAM, ${m.os}; Node ${m.node}; ${m.clickhouse} (chdb npm ${m.chdb_npm}); kafkajs ${m.kafkajs}.`,
    `Run time: ${result.duration_s} s. Sizes: ${JSON.stringify(result.sizes)}.`,
    '',
    'Absolute times are noisy on a shared machine; the ratios are measured in the same run and are what to compare.',
    'How the data was made and what each row measures: docs/CAPACITY.md ("How the bench measures").',
    '',
    table,
    '',
    ...extra.flatMap((md) => [md, '']),
  ].join('\n');
}

function writeResults(outDir: string, result: Parameters<typeof markdownReport>[0] & object, table: string, ts: string): void {
  mkdirSync(join(outDir, 'history'), { recursive: true });
  const json = JSON.stringify(result, null, 2) + '\n';
  const md = markdownReport(result, table);
  const name = result.mode === 'quick' ? 'quick-latest' : result.mode === 'full' ? 'latest' : result.mode;
  writeFileSync(join(outDir, `${name}.json`), json);
  writeFileSync(join(outDir, `${name}.md`), md);
  writeFileSync(join(outDir, 'history', `${ts}-${result.mode}.json`), json);
  writeFileSync(join(outDir, 'history', `${ts}-${result.mode}.md`), md);
}
