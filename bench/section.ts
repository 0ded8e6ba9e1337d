// What a bench section is: its name and the context `runBench` hands it. Its own module, so the CLI
// (`cli/commands/bench.ts`), the runner (`bench/run.ts`) and the sections import it without importing
// each other: the runner loads the sections, the sections never load the runner.
import type { ClickHouseClient } from '../clickhouse/client.ts';
import type { Env } from '../config/env.ts';
import type { BenchSizes } from './sizes.ts';

export const BENCH_SECTIONS = ['evaluators', 'ingestion', 'kafka', 'memory', 'dashboard', 'csv'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

export interface SectionContext {
  env: Env;
  client: ClickHouseClient;
  workDir: string;
  sizes: BenchSizes;
  /** Where child processes write .cpuprofile files (--profile), or undefined. */
  profileDir?: string;
  /** Shared between sections (e.g. the flag mix the evaluators measured, used by the dashboard data). */
  shared: Record<string, unknown>;
}
