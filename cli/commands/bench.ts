// `oversight bench` (`npm run bench`): measures ingestion, evaluators and dashboard queries in one run
// and prints one table of figures and ratios. The bench modules (chDB data generation, Kafka, the
// evaluators) are imported inside the action so `oversight --help` and other commands stay fast.
import type { Command } from 'commander';
import { BENCH_SECTIONS as SECTIONS, type BenchSection } from '../../bench/section.ts';
import { sizesForDashboardRun } from '../../bench/sizes.ts';
import { UsageError } from '../usage-error.ts';

interface BenchCliOptions {
  quick?: boolean;
  only?: string;
  out?: string;
  keep?: boolean;
  profile?: boolean;
  size?: string;
  reuse?: string;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure ingestion, evaluator and dashboard-query performance; print one table, write bench/results/')
    .option('--quick', 'small sizes (50k Kafka events, 20k file events, 200k dashboard outputs, no 10M): finishes in under 2 minutes')
    .option('--only <sections>', `comma-separated subset of ${SECTIONS.join(', ')}`)
    .option('--out <dir>', 'results directory (default: bench/results, or bench/results/tmp for --quick and --only)')
    .option('--keep', 'keep the temporary data directories under /tmp for inspection')
    .option('--size <outputs>', 'dashboard growth run over half a year: 100M measures 1M, 10M and 100M on the way up; a list (1M,10M,100M) as given; only the dashboard section unless --only says otherwise; writes bench/results/size-<largest>.*')
    .option('--reuse <dir>', 'reuse the data directory an earlier --keep run printed (its dashboard data is topped up, not regenerated; sizes below what it holds are skipped); it is kept')
    .option('--profile', 'CPU-profile the ingester child (node --cpu-prof) into bench/results/tmp/profiles and list its hot functions')
    .action(async (opts: BenchCliOptions) => {
      // A --size run is about the dashboard's data; the other sections' sizes do not change with it.
      const only = opts.only ? opts.only.split(',').map((s) => s.trim()).filter(Boolean) : opts.size ? ['dashboard'] : [...SECTIONS];
      const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
      if (unknown.length) throw new UsageError(`unknown bench section(s) ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`);
      if (opts.size) {
        try {
          sizesForDashboardRun(opts.size);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
      }
      const { runBench } = await import('../../bench/run.ts');
      await runBench({
        quick: opts.quick ?? false,
        sections: new Set(only as BenchSection[]),
        partial: Boolean(opts.only),
        outDir: opts.out,
        keep: opts.keep ?? false,
        profile: opts.profile ?? false,
        size: opts.size,
        reuse: opts.reuse,
      });
    });
}
