// Seeds a fresh embedded database for the browser tests, in its own process: chDB locks the data
// directory per process, and the dashboard server must own it afterwards. Every row is placed
// relative to the run's anchor (anchor.ts), not to the clock.
//   node --import tsx test/browser/seed-cli.ts <data dir> <anchor>   → the Fixture as JSON on stdout
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { loadEnv } from '../../config/env.ts';
import { closeClickHouse, getClickHouse } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { seedAccessFixture } from './fixture.ts';
import { checkAnchor, type SeedContext } from './anchor.ts';

const [dir, anchor] = process.argv.slice(2);
if (!dir || !anchor) {
  console.error('usage: seed-cli.ts <data dir> <anchor: an ISO instant at 00:00 UTC>');
  process.exit(2);
}
const ctx: SeedContext = { anchor: checkAnchor(anchor) };
const env = loadEnv({ ...process.env, OVERSIGHT_DATA_DIR: dir, CLICKHOUSE_URL: undefined });
const client = await getClickHouse(env);
try {
  await migrate(client, { rawTextTtlDays: env.RAW_TEXT_TTL_DAYS });
  const fixture = await seedAccessFixture(client, ctx);
  const seedsDir = join(dirname(fileURLToPath(import.meta.url)), 'seeds');
  for (const file of readdirSync(seedsDir).filter((f) => f.endsWith('.ts')).sort()) {
    const mod = (await import(pathToFileURL(join(seedsDir, file)).href)) as { seed?: (c: ClickHouseClient, ctx: SeedContext) => Promise<void> };
    if (typeof mod.seed !== 'function') throw new Error(`test/browser/seeds/${file} must export seed(client, ctx)`);
    console.error(`seeding ${file}`);
    await mod.seed(client, ctx);
  }
  process.stdout.write(JSON.stringify(fixture) + '\n');
} finally {
  await closeClickHouse();
}
