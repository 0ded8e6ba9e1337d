import type { Command } from 'commander';
import { loadEnv } from '../../config/env.ts';
import { closeClickHouse, getClickHouse, targetFromEnv } from '../../clickhouse/client.ts';
import { migrate, renderAll } from '../../clickhouse/migrate.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply the numbered ClickHouse migrations that are not applied yet')
    .option('--print', 'print the rendered DDL instead of applying it')
    .option('--cluster <name>', 'render ON CLUSTER / Replicated / Distributed DDL (default: CLICKHOUSE_CLUSTER)')
    .action(async (opts: { print?: boolean; cluster?: string }) => {
      const env = loadEnv();
      const render = { cluster: opts.cluster ?? env.CLICKHOUSE_CLUSTER, rawTextTtlDays: env.RAW_TEXT_TTL_DAYS };
      if (opts.print) {
        process.stdout.write(renderAll(render) + '\n');
        return;
      }
      const target = targetFromEnv(env);
      const client = await getClickHouse(env);
      try {
        const res = await migrate(client, render, (l) => console.error(l));
        console.error(
          `migrations on ${target.kind} ${target.where}: ${res.applied.length} applied, ${res.alreadyApplied.length} already applied`,
        );
      } finally {
        await closeClickHouse();
      }
    });
}
