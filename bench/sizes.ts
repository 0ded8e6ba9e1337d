// How big each section's work is. The full run stays well under 25 minutes on 2 shared cores; the
// quick run under 2 minutes. Sizes are recorded in every result file.
export interface BenchSizes {
  /** Usage events through Kafka (bare loop and ingester each read them all). */
  kafkaEvents: number;
  kafkaPartitions: number;
  /** Distinct simulated usage events behind the Kafka run; more are copies with suffixed ids. */
  kafkaSample: number;
  /** Events per kind through the file source. */
  fileEvents: { usage: number; outputs: number; feedback: number };
  /** Simulated outputs each evaluator reads. */
  evaluatorOutputs: number;
  dashboard: { sizes: number[]; days: number; rollupRuns: number; rawRuns: number };
  /** Seconds the ingester's RSS is sampled after its last commit (the idle RSS row). */
  idleSeconds: number;
  /** Outputs the memory section's serving child builds before answering every dashboard page. */
  memoryServingOutputs: number;
}

export function sizesFor(quick: boolean): BenchSizes {
  return quick
    ? {
        kafkaEvents: 50_000,
        kafkaPartitions: 4,
        kafkaSample: 20_000,
        fileEvents: { usage: 20_000, outputs: 3_000, feedback: 500 },
        evaluatorOutputs: 5_000,
        dashboard: { sizes: [200_000], days: 120, rollupRuns: 9, rawRuns: 3 },
        idleSeconds: 6,
        memoryServingOutputs: 200_000,
      }
    : {
        kafkaEvents: 500_000,
        kafkaPartitions: 4,
        kafkaSample: 100_000,
        fileEvents: { usage: 200_000, outputs: 30_000, feedback: 3_000 },
        evaluatorOutputs: 30_000,
        dashboard: { sizes: [1_000_000, 10_000_000], days: 120, rollupRuns: 20, rawRuns: 3 },
        idleSeconds: 20,
        memoryServingOutputs: 1_000_000,
      };
}

/** Half a year: the span of a `--size` run (docs/CAPACITY.md: 100 M outputs ≈ six months at 180,000 users). */
export const SIZE_RUN_DAYS = 182;

/**
 * Timed loads per page and size in a `--size` run (whole CSV downloads: at most 20). A page cycles
 * through its views (e.g. 7, 30 and 90 days), so of 20 loads the slowest view got 6 or 7 and the
 * p95 was about the worst of those: across the day's size runs of 2026-12-06 a page's p95 at 100 M
 * moved by up to 1.5× with its queries unchanged (evaluators 35–51 ms, audit log 43–65), while the
 * p50s stayed within 15 %. With 60 loads the p95 is a tail of about 20 loads of the slowest view.
 */
const SIZE_RUN_LOADS = 60;

/** The steps a `--size` run measures on its way up, so one run yields the growth table. */
const GROWTH_STEPS = [1_000_000, 10_000_000, 100_000_000];

/** "1M", "10M", "100M", "250k" → outputs. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(text);
  if (!m) throw new Error(`cannot read "${text}" as a dataset size (examples: 1M, 10M, 100M, 250k)`);
  const n = Math.round(Number(m[1]) * (m[2].toLowerCase() === 'm' ? 1e6 : m[2].toLowerCase() === 'k' ? 1e3 : 1));
  if (n < 1_000) throw new Error(`dataset size ${text} is below 1,000 outputs`);
  return n;
}

/** The size a result file is named after: 1000000 → "1M", 250000 → "250k". */
export function sizeLabel(n: number): string {
  return n >= 1e6 ? `${+(n / 1e6).toFixed(2)}M` : `${+(n / 1e3).toFixed(1)}k`;
}

/**
 * `--size 100M` measures 1M, 10M and 100M on the way up (each a top-up of the one before, so the
 * three columns of the growth table come from one dataset and one run); a list (`1M,10M,100M`) is
 * measured as given. The span is half a year, and every size gets the same number of timed loads.
 */
export function sizesForDashboardRun(spec: string): BenchSizes['dashboard'] {
  const asked = spec.split(',').filter((s) => s.trim() !== '').map(parseSize);
  if (asked.length === 0) throw new Error('--size needs at least one size (e.g. 100M or 1M,10M,100M)');
  const sizes = asked.length === 1 ? [...GROWTH_STEPS.filter((s) => s < asked[0]), asked[0]] : asked;
  return { sizes: [...new Set(sizes)].sort((a, b) => a - b), days: SIZE_RUN_DAYS, rollupRuns: SIZE_RUN_LOADS, rawRuns: 3 };
}
