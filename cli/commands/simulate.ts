// `oversight simulate`: realistic pilot traffic for the demo, the bench and evaluator checks.
import type { Command } from 'commander';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadEnv } from '../../config/env.ts';
import { plannedUsers } from '../../contracts/ministries.ts';
import { DEFAULT_SCALE, createFileSink, createKafkaSink, runSimulation, validateOptions, type EventSink, type SimulationOptions } from '../../pipelines/simulate/index.ts';
import { UsageError } from '../usage-error.ts';

interface SimulateFlags {
  seed: string;
  start?: string;
  end?: string;
  days?: string;
  scale: string;
  ministries?: string;
  out?: string;
  kafka?: boolean;
  riskRate: string;
  rates?: string;
  truth?: string;
  summary?: string;
  quiet?: boolean;
}

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 28;

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function parseDate(flag: string, value: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new UsageError(`${flag} must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return Date.parse(`${value}T00:00:00Z`);
}

function parseNumber(flag: string, value: string, ok: (n: number) => boolean, what: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || !ok(n)) throw new UsageError(`${flag} must be ${what}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The simulated window. Without --start the window ends yesterday (JST), so the demo shows recent
 * weeks; give --start (or --start/--end) for a run that is reproducible on any day.
 */
export function resolveWindow(flags: Pick<SimulateFlags, 'start' | 'end' | 'days'>, nowMs: number): { start: string; days: number } {
  const days = flags.days !== undefined ? parseNumber('--days', flags.days, (n) => Number.isInteger(n) && n >= 1 && n <= 3660, 'an integer 1..3660') : undefined;
  if (flags.start && flags.end) {
    if (days !== undefined) throw new UsageError('give --days or --end with --start, not both');
    const s = parseDate('--start', flags.start);
    const e = parseDate('--end', flags.end);
    if (e < s) throw new UsageError('--end is before --start');
    return { start: flags.start, days: Math.round((e - s) / DAY_MS) + 1 };
  }
  if (flags.start) return { start: isoDate(parseDate('--start', flags.start)), days: days ?? DEFAULT_DAYS };
  const n = days ?? DEFAULT_DAYS;
  const end = flags.end ? parseDate('--end', flags.end) : Date.parse(`${isoDate(nowMs + 9 * 3_600_000)}T00:00:00Z`) - DAY_MS;
  return { start: isoDate(end - (n - 1) * DAY_MS), days: n };
}

function parseRates(json: string | undefined): Record<string, number> | undefined {
  if (!json) return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'number')) throw new Error();
    return parsed as Record<string, number>;
  } catch {
    throw new UsageError('--rates must be JSON like {"my_number":0.01,"law_number_mismatch":0.02}');
  }
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('generate realistic multi-ministry pilot traffic (usage, outputs, feedback) with planted risks')
    .option('--seed <seed>', 'PRNG seed: same seed and window give identical output', 'oversight')
    .option('--start <date>', 'first day (JST, YYYY-MM-DD); default: the window ends yesterday')
    .option('--end <date>', 'last day (JST, YYYY-MM-DD)')
    .option('--days <n>', `number of days (default ${DEFAULT_DAYS})`)
    .option('--scale <fraction>', 'fraction of planned users in the simulated population', String(DEFAULT_SCALE))
    .option('--ministries <codes>', 'comma-separated ministry codes (default: all)')
    .option('--out <dir>', 'write genai.{usage,outputs,feedback}.v1.ndjson into this directory')
    .option('--kafka', 'produce to the Kafka topics (KAFKA_BROKERS)')
    .option('--risk-rate <multiplier>', 'multiply every planted-risk rate (0 disables risks)', '1')
    .option('--rates <json>', 'per-plant rates, e.g. {"my_number":0.01}')
    .option('--truth <file>', 'write the per-output ground truth (one planted item per line) as NDJSON')
    .option('--summary <file>', 'also write the ground-truth summary and run figures as JSON')
    .option('--quiet', 'no progress lines')
    .action(async (flags: SimulateFlags) => {
      if (!flags.out && !flags.kafka) throw new UsageError('choose a destination: --out <dir> or --kafka');
      if (flags.out && flags.kafka) throw new UsageError('choose one destination: --out or --kafka');
      const env = loadEnv();
      // The clock only picks the default window, never content.
      const window = resolveWindow(flags, Date.now());
      const options: SimulationOptions = {
        seed: flags.seed,
        start: window.start,
        days: window.days,
        scale: parseNumber('--scale', flags.scale, (n) => n > 0 && n <= 10, 'a number in (0, 10]'),
        ministries: flags.ministries ? flags.ministries.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
        plannedUsers: plannedUsers(env.OVERSIGHT_PLANNED_USERS),
        riskMultiplier: parseNumber('--risk-rate', flags.riskRate, (n) => n >= 0 && n <= 50, 'a number in [0, 50]'),
        rates: parseRates(flags.rates),
      };
      try {
        validateOptions(options);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const log = (line: string) => {
        if (!flags.quiet) process.stderr.write(`simulate: ${line}\n`);
      };
      let sink: EventSink;
      try {
        sink = flags.kafka ? await createKafkaSink({ brokers: env.KAFKA_BROKERS, env }) : createFileSink(flags.out!);
      } catch (err) {
        throw new UsageError(`cannot open the destination: ${(err as Error).message}`);
      }
      const truthStream = flags.truth ? (mkdirSync(dirname(flags.truth), { recursive: true }), createWriteStream(flags.truth)) : null;
      log(`seed ${JSON.stringify(options.seed)}, ${options.days} days from ${options.start}, scale ${options.scale} → ${flags.kafka ? `Kafka ${env.KAFKA_BROKERS.join(',')}` : flags.out}`);
      let result;
      try {
        result = await runSimulation(options, sink, {
          progress: log,
          onPlant: truthStream ? (r) => truthStream.write(JSON.stringify(r) + '\n') : undefined,
        });
      } finally {
        if (truthStream) await new Promise<void>((resolve) => truthStream.end(resolve));
      }
      const report = { options: { ...options, plannedUsers: undefined }, run: result.stats, ground_truth: result.truth };
      if (flags.summary) writeFileSync(flags.summary, JSON.stringify(report, null, 2) + '\n');
      log(`done: ${result.stats.events} events in ${result.stats.seconds} s (${result.stats.events_per_second}/s), peak RSS ${result.stats.peak_rss_mb} MB`);
      process.stderr.write(JSON.stringify(report) + '\n');
    });
}
