// A fresh migrated chDB database in a temporary directory for one test file (chDB allows one data
// directory per process; vitest runs each file in its own fork).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv } from '../../../config/env.ts';
import { closeClickHouse, getClickHouse, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { migrate } from '../../../clickhouse/migrate.ts';

export async function freshDatabase(prefix: string): Promise<{ client: ClickHouseClient; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
  await migrate(client, { rawTextTtlDays: 400 });
  return {
    client,
    async close() {
      await closeClickHouse();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
