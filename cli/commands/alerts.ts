// `oversight alerts digest`: the daily per-ministry digest of incidents, on demand or from cron.
import type { Command } from 'commander';
import { closeClickHouse, getClickHouse } from '../../clickhouse/client.ts';
import { loadAlertConfig } from '../../alerts/config.ts';
import { previousJstDay, sendDailyDigest } from '../../alerts/digest.ts';
import { UsageError } from '../usage-error.ts';

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('incident notifications (webhook / e-mail)');
  alerts
    .command('digest')
    .description('send the daily digest (per ministry: incidents opened, open backlog, verdicts) for one JST day')
    .option('--date <YYYY-MM-DD>', 'the JST day to report (default: yesterday)')
    .option('--dry-run', 'print the messages as JSON instead of sending them')
    .action(async (opts: { date?: string; dryRun?: boolean }) => {
      // The clock only picks the default day.
      const date = opts.date ?? previousJstDay(Date.now());
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
        throw new UsageError(`--date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
      }
      const config = loadAlertConfig();
      const client = await getClickHouse();
      try {
        const result = await sendDailyDigest(client, { date, config, dryRun: opts.dryRun });
        if (opts.dryRun) process.stdout.write(JSON.stringify({ digest: result.digest, ...result.delivery }, null, 2) + '\n');
        if (result.failures > 0) process.exitCode = 1;
      } finally {
        await closeClickHouse();
      }
    });
}
