// `oversight rollups`: compare the daily rollups with the raw rows and rebuild the days that differ
// (clickhouse/rollups.ts says how a crash can leave a rollup short). An embedded ingester does this by
// itself for the days it last wrote; with a ClickHouse server run it by hand, with ingestion stopped.
import type { Command } from 'commander';
import { loadEnv } from '../../config/env.ts';
import { closeClickHouse, getClickHouse, targetFromEnv } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { reconcileRecentRollups } from '../../clickhouse/rollups.ts';
import { UsageError } from '../usage-error.ts';

function daysFrom(since: string, until = new Date().toISOString().slice(0, 10)): string[] {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(since) || Number.isNaN(Date.parse(since))) throw new UsageError(`--since must be a date like 2026-11-01, got ${JSON.stringify(since)}`);
  const days: string[] = [];
  for (let t = Date.parse(`${since}T00:00:00Z`); t <= Date.parse(`${until}T00:00:00Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  if (days.length === 0) throw new UsageError(`--since ${since} is after today`);
  return days;
}

export function registerRollups(program: Command): void {
  program
    .command('rollups')
    .description('check the daily rollups against the raw rows (per day); --repair rebuilds the days that differ')
    .option('--since <date>', 'check every day from this date (YYYY-MM-DD, by occurred_at) through today')
    .option('--window <seconds>', 'without --since: the days of the rows stored in the last <seconds> before the latest insert', '3600')
    .option('--repair', 'rebuild the days that differ from the raw rows (with a ClickHouse server: stop ingestion first)')
    .action(async (opts: { since?: string; window: string; repair?: boolean }) => {
      const env = loadEnv();
      const windowSeconds = Number(opts.window);
      if (!Number.isInteger(windowSeconds) || windowSeconds <= 0) throw new UsageError(`--window must be a positive number of seconds, got ${opts.window}`);
      const days = opts.since ? daysFrom(opts.since) : undefined;
      const target = targetFromEnv(env);
      if (opts.repair && target.cluster) throw new UsageError('--repair deletes and re-inserts rollup rows, which this command does not do across a cluster yet: run it against each shard');
      const client = await getClickHouse(env);
      try {
        await migrate(client, { cluster: env.CLICKHOUSE_CLUSTER, rawTextTtlDays: env.RAW_TEXT_TTL_DAYS });
        const res = await reconcileRecentRollups(client, { windowSeconds, days, repair: !!opts.repair, log: (l) => console.log(l) });
        for (const c of res.checked) console.error(`${c.rollup}: ${c.days} day(s) checked`);
        if (res.drifted.length === 0) console.error('every checked day matches the raw rows');
        else if (!opts.repair) {
          console.error(`${res.drifted.length} rollup day(s) differ from the raw rows; run again with --repair to rebuild them`);
          process.exitCode = 1;
        } else console.error(`rebuilt ${res.drifted.length} rollup day(s) from the raw rows`);
      } finally {
        await closeClickHouse();
      }
    });
}
