// What a process that writes events does before it ingests: apply the migrations, then, in embedded
// mode, make the rollups whole again for the days last written (clickhouse/rollups.ts explains how a
// crash can leave them short). Only in embedded mode: there this process owns the database, so nothing
// inserts while the check and repair run. With a ClickHouse server other ingesters may be inserting;
// `oversight rollups --repair` is run by hand there. Called by `oversight serve`, `oversight ingest`
// and the demo before they start ingesting.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Env } from '../config/env.ts';
import { currentTarget } from '../clickhouse/client.ts';
import { migrate } from '../clickhouse/migrate.ts';
import { reconcileRecentRollups } from '../clickhouse/rollups.ts';

export async function migrateAndRecover(client: ClickHouseClient, env: Env, log: (line: string) => void, migrationLog?: (line: string) => void): Promise<void> {
  await migrate(client, { cluster: env.CLICKHOUSE_CLUSTER, rawTextTtlDays: env.RAW_TEXT_TTL_DAYS }, migrationLog);
  if (currentTarget()?.kind !== 'embedded') return;
  const { drifted } = await reconcileRecentRollups(client, { log });
  // A crash between a raw part and its views is the usual cause; the ingester repairs a failed view
  // write itself while it runs (ingest.ts), so this does not call every stop unclean.
  if (drifted.length) log(`rebuilt ${drifted.length} rollup day(s) that were short of the raw rows (a crash between a raw part and its views)`);
}
