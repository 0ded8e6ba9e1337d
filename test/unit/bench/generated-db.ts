// The set-up the bench's data-generation tests share: a window of `days` ending yesterday (UTC) and a
// fresh, migrated embedded database in a temp directory, removed again by close().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeClickHouse, getClickHouse, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { migrate } from '../../../clickhouse/migrate.ts';
import { loadEnv } from '../../../config/env.ts';

export function windowEndingYesterday(days: number): { from: string; to: string } {
  const to = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

export async function openGeneratedDb(prefix: string): Promise<{ client: ClickHouseClient; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
  await migrate(client, { rawTextTtlDays: 400 });
  return {
    client,
    close: async () => {
      await closeClickHouse();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
