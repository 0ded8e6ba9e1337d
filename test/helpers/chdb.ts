// A fresh embedded ClickHouse (chDB) with the real migrations applied, for tests.
// chDB allows one data directory per process; vitest runs each test file in its own fork, so each file
// gets one database and shares it between its tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeClickHouse, getClickHouse, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrate, type Migration } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';

export interface TestDb {
  client: ClickHouseClient;
  dir: string;
  close(): Promise<void>;
}

/** `migrations`: apply only these (an upgrade test starts from an older schema); default all. */
export async function freshDb(prefix = 'oversight-test-', migrations?: Migration[]): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const env = loadEnv({ OVERSIGHT_DATA_DIR: dir });
  const client = await getClickHouse(env);
  await migrate(client, { rawTextTtlDays: 400 }, undefined, migrations);
  return {
    client,
    dir,
    async close() {
      await closeClickHouse();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The single number a `SELECT … AS n` query returns. */
export async function countOf(client: ClickHouseClient, query: string): Promise<number> {
  const rs = await client.query({ query, format: 'JSONEachRow' });
  const [row] = await rs.json<{ n: number }>();
  return Number(row.n);
}
