// Before an embedded ingester stores anything, it makes the rollups whole again for the days it last
// wrote (clickhouse/rollups.ts explains how they can fall short after a crash). Only in embedded mode:
// there this process owns the database, so nothing inserts while the check and repair run. With a
// ClickHouse server, other ingesters may be inserting; `oversight rollups --repair` is run by hand there.
import type { ClickHouseClient } from '@clickhouse/client';
import { currentTarget } from '../clickhouse/client.ts';
import { reconcileRecentRollups } from '../clickhouse/rollups.ts';

export async function recoverRollups(client: ClickHouseClient, log: (line: string) => void): Promise<void> {
  if (currentTarget()?.kind !== 'embedded') return;
  const { drifted } = await reconcileRecentRollups(client, { log });
  if (drifted.length) log(`rebuilt ${drifted.length} rollup day(s) from the raw rows after an unclean stop`);
}
