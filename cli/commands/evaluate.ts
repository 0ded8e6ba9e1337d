// `oversight evaluate`: the offline evaluator CLI (flags NDJSON; used by the scorer, so it imports
// the evaluators only when it runs and never touches the database), the per-model scorecard, and the
// batch runner against ClickHouse (one pass, backfill, or a schedule).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import type { ClickHouseClient } from '../../clickhouse/client.ts';
import { UsageError } from '../usage-error.ts';

interface EvaluateOpts {
  input?: string;
  compareModels?: boolean;
  json?: boolean;
  run?: boolean;
  backfill?: boolean;
  schedule?: boolean;
  since?: string;
  until?: string;
  evaluator?: string[];
  batchSize?: string;
  shard?: string;
  llmJudge?: boolean;
}

/**
 * `oversight evaluate --input …` without loading the other commands (Kafka, the dashboard…): the
 * scorer spawns it once per run, so start-up time is part of its cost. Same options and exit codes
 * as through cli/main.ts.
 */
export async function mainOfflineEvaluate(argv: string[]): Promise<void> {
  const program = new Command('oversight').exitOverride().showHelpAfterError();
  registerEvaluate(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    if (err instanceof UsageError) {
      console.error(`oversight: ${err.message}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  }
}

function openInput(path: string): Readable {
  if (path === '-') return process.stdin;
  const stream = createReadStream(path);
  return stream;
}

export function parseDate(s: string | undefined, name: string): Date | undefined {
  if (s === undefined) return undefined;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${name} must be a date such as 2026-06-01 or 2026-06-01T00:00:00Z (got "${s}")`);
  return d;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate outputs: --input FILE|- (offline, flags NDJSON on stdout), --compare-models, --run, --backfill, --schedule')
    .option('--input <file>', 'NDJSON output events to evaluate offline ("-" for stdin)')
    .option('--compare-models', 'with --input: per-model scorecard (flags per 1,000 outputs by category and severity)')
    .option('--json', 'with --compare-models: print the scorecard as JSON')
    .option('--run', 'one pass of the batch runner over ClickHouse outputs past each watermark')
    .option('--backfill', 're-run the current evaluator version over a time range (needs --since and --evaluator)')
    .option('--schedule', 'run the batch runner every EVAL_INTERVAL_SECONDS until SIGINT/SIGTERM')
    .option('--since <date>', 'with --backfill: first occurred_at to re-evaluate (inclusive)')
    .option('--until <date>', 'with --backfill: end of the range (exclusive, default now)')
    .option('--evaluator <id...>', 'evaluators to run (default: all)')
    .option('--batch-size <n>', 'outputs per batch for --run/--backfill', '5000')
    .option('--shard <i/n>', 'with --run/--schedule: evaluate only shard i of n (by output id), so n processes share the work (default: OVERSIGHT_EVAL_SHARD, else all)')
    .option('--llm-judge', 'with --input: also ask the LLM judge at OVERSIGHT_LLM_JUDGE_URL (off by default; --run uses it whenever that is set)')
    .action(async (opts: EvaluateOpts) => {
      const modes = [opts.input !== undefined, !!opts.run, !!opts.backfill, !!opts.schedule].filter(Boolean).length;
      if (modes !== 1) throw new UsageError('choose one of --input FILE|-, --run, --backfill or --schedule');
      if (opts.input !== undefined) return offline(opts);
      return database(opts);
    });
}

async function offline(opts: EvaluateOpts): Promise<void> {
  const input = openInput(opts.input!);
  const opened = new Promise<void>((resolve, reject) => {
    if (input === process.stdin) return resolve();
    input.once('open', () => resolve());
    input.once('error', (err) => reject(new UsageError(`cannot read ${opts.input}: ${err.message}`)));
  });
  await opened;
  const { EVALUATORS } = await import('../../evaluators/registry.ts');
  const evaluators = opts.evaluator?.length ? EVALUATORS.filter((e) => opts.evaluator!.includes(e.id)) : EVALUATORS;
  if (opts.evaluator?.length && evaluators.length !== opts.evaluator.length) {
    throw new UsageError(`unknown evaluator in ${opts.evaluator.join(', ')} (known: ${EVALUATORS.map((e) => e.id).join(', ')})`);
  }
  if (opts.compareModels) {
    const { buildScorecard, formatScorecard } = await import('../../evaluators/scorecard.ts');
    const card = await buildScorecard(input, evaluators, (lineNo, error) => process.stderr.write(`line ${lineNo}: ${error}; skipped\n`));
    process.stdout.write(opts.json ? JSON.stringify(card, null, 2) + '\n' : formatScorecard(card));
    return;
  }
  const { evaluateNdjson } = await import('../../evaluators/evaluate.ts');
  let judge;
  if (opts.llmJudge) {
    const { createLlmJudge, llmJudgeConfigFromEnv, LlmJudgeConfigError } = await import('../../evaluators/llm-judge.ts');
    let config;
    try {
      config = llmJudgeConfigFromEnv();
    } catch (err) {
      if (err instanceof LlmJudgeConfigError) throw new UsageError(err.message);
      throw err;
    }
    if (!config) throw new UsageError('--llm-judge needs OVERSIGHT_LLM_JUDGE_URL (an OpenAI-compatible endpoint such as http://llm.internal:8000/v1)');
    judge = createLlmJudge(config);
  }
  const res = await evaluateNdjson(input, process.stdout, process.stderr, evaluators, judge);
  if (res.malformed > 0) process.stderr.write(`${res.outputs} outputs evaluated, ${res.malformed} malformed lines skipped, ${res.flags} flags\n`);
}

async function database(opts: EvaluateOpts): Promise<void> {
  const { loadEnv } = await import('../../config/env.ts');
  const { getClickHouse, closeClickHouse } = await import('../../clickhouse/client.ts');
  const runner = await import('../../evaluators/runner.ts');
  const { notifyIncidentsOpened } = await import('../../alerts/notify.ts');
  const env = loadEnv();
  const batchSize = Number(opts.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch-size must be a positive integer');
  const client = await getClickHouse(env);
  const log = (line: string) => process.stderr.write(line + '\n');
  let shard = env.OVERSIGHT_EVAL_SHARD;
  try {
    if (opts.shard) shard = runner.parseShard(opts.shard);
  } catch (err) {
    throw new UsageError(`--shard: ${(err as Error).message}`);
  }
  if (shard && opts.backfill) throw new UsageError('--shard applies to --run and --schedule; a backfill covers its whole range');
  try {
    if (opts.run) {
      const res = await runner.runEvaluationOnce(client, { evaluators: opts.evaluator, batchSize, log, shard, onIncidentsOpened: notifyIncidentsOpened });
      log(runner.describeRun(res));
    } else if (opts.backfill) {
      const since = parseDate(opts.since, '--since');
      if (!since) throw new UsageError('--backfill needs --since <date>');
      if (!opts.evaluator?.length) throw new UsageError('--backfill needs --evaluator <id> (e.g. --evaluator citations)');
      await backfillWith(client, opts.evaluator, since, parseDate(opts.until, '--until'), batchSize);
    } else {
      const scheduler = runner.startEvaluationScheduler(client, {
        intervalMs: env.EVAL_INTERVAL_SECONDS * 1000,
        batchSize,
        log,
        shard,
        onIncidentsOpened: notifyIncidentsOpened,
      });
      // Server mode's evaluator process also draws the weekly review samples, as serve does (docs/REVIEW.md).
      const { startReviewSampler, configuredRule } = await import('../../src/lib/server/review/samples.ts');
      const sampler = startReviewSampler(client, { rule: configuredRule(env.OVERSIGHT_REVIEW_RULE), log });
      // …and counts the completed weeks' active users for the heatmap (migration 0195).
      const { startWeeklyActiveUsersCounter } = await import('../../src/lib/server/queries/weekly-active-users.ts');
      const counter = startWeeklyActiveUsersCounter(client, { log });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      sampler.stop();
      counter.stop();
      await scheduler.stop();
    }
  } finally {
    await closeClickHouse();
  }
}

/** Re-runs the current version of `evaluators` over outputs from `since` (until `until`, else now). */
async function backfillWith(client: ClickHouseClient, evaluators: string[], since: Date, until: Date | undefined, batchSize: number): Promise<void> {
  const runner = await import('../../evaluators/runner.ts');
  const { notifyIncidentsOpened } = await import('../../alerts/notify.ts');
  const log = (line: string) => process.stderr.write(line + '\n');
  const res = await runner.backfill(client, { evaluators, since, until, batchSize, log, onIncidentsOpened: notifyIncidentsOpened });
  log(runner.describeRun(res));
}

/** A backfill in a process of its own (`oversight laws import --backfill-since`): opens and closes the store. */
export async function backfillEvaluators(evaluators: string[], since: Date, until?: Date, batchSize = 5000): Promise<void> {
  const { loadEnv } = await import('../../config/env.ts');
  const { getClickHouse, closeClickHouse } = await import('../../clickhouse/client.ts');
  const client = await getClickHouse(loadEnv());
  try {
    await backfillWith(client, evaluators, since, until, batchSize);
  } finally {
    await closeClickHouse();
  }
}
