// `oversight reports monthly`: every ministry's monthly report for a month, generated and announced
// through the alert channels, as the schedule in `oversight serve` does on the first working day
// (OVERSIGHT_MONTHLY_REPORTS=1). For cron in server mode, or to catch up a missed month.
import type { Command } from 'commander';
import { closeClickHouse, getClickHouse } from '../../clickhouse/client.ts';
import { runMonthlyReports } from '../../src/lib/server/reports/schedule.ts';
import { UsageError } from '../usage-error.ts';

export function registerReports(program: Command): void {
  const reports = program.command('reports').description('frozen reports (ministry monthly report, safety review, rollout report)');
  reports
    .command('monthly')
    .description("generate each ministry's monthly report for one month and send the links (webhook / e-mail)")
    .option('--month <YYYY-MM>', 'the month reported on (default: the last complete month, JST)')
    .option('--dry-run', 'generate nothing; print which reports exist and the messages that would go out')
    .action(async (opts: { month?: string; dryRun?: boolean }) => {
      if (opts.month !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(opts.month)) throw new UsageError(`--month must be YYYY-MM, got ${JSON.stringify(opts.month)}`);
      const client = await getClickHouse();
      try {
        const result = await runMonthlyReports(client, { month: opts.month, dryRun: opts.dryRun, log: (l) => console.error(l) });
        process.stdout.write(JSON.stringify({ month: result.month, reports: result.reports, mails: result.mails.map((m) => ({ to: m.to, subject: m.subject })), webhook: Boolean(result.webhook) }, null, 2) + '\n');
        if (result.failures > 0) process.exitCode = 1;
      } finally {
        await closeClickHouse();
      }
    });
}
