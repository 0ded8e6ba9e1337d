// The migration runner: applies clickhouse/migrations/NNNN_name.sql in order, records each applied
// version with its checksum, and refuses to run when an applied file was changed afterwards (a changed
// migration would leave databases that ran the old text different from new ones).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { renderMigration, type RenderOptions } from './render.ts';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  sql: string;
}

export class MigrationError extends Error {}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Set<number>();
  return files.map((file) => {
    const m = /^(\d{4})_([\w-]+)\.sql$/.exec(file);
    if (!m) throw new MigrationError(`migration file name ${file} must look like 0001_name.sql`);
    const version = Number(m[1]);
    if (seen.has(version)) throw new MigrationError(`two migrations share version ${m[1]}`);
    seen.add(version);
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version, name: file, checksum: createHash('sha256').update(sql).digest('hex'), sql };
  });
}

const LEDGER = `
CREATE TABLE IF NOT EXISTS {{table:schema_migrations}} {{on_cluster}}
(version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
ENGINE = {{engine:ReplacingMergeTree(applied_at)}} ORDER BY version;
{{distributed:schema_migrations:version}};`;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export async function migrate(
  client: ClickHouseClient,
  opts: RenderOptions,
  log: (line: string) => void = () => {},
  migrations = loadMigrations(),
): Promise<MigrateResult> {
  for (const stmt of renderMigration(LEDGER, opts)) await client.command({ query: stmt });
  const rs = await client.query({ query: 'SELECT version, name, checksum FROM schema_migrations FINAL', format: 'JSONEachRow' });
  const done = new Map((await rs.json<{ version: number; name: string; checksum: string }>()).map((r) => [Number(r.version), r]));
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    const prior = done.get(m.version);
    if (prior) {
      if (prior.checksum !== m.checksum) {
        throw new MigrationError(
          `migration ${m.name} was changed after it was applied (applied as ${prior.name}, checksum ${prior.checksum.slice(0, 12)}, ` +
            `file now ${m.checksum.slice(0, 12)}). Restore the file and add a new numbered migration instead.`,
        );
      }
      result.alreadyApplied.push(m.name);
      continue;
    }
    log(`applying ${m.name}`);
    for (const stmt of renderMigration(m.sql, opts)) {
      try {
        await client.command({ query: stmt });
      } catch (err) {
        throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}\nstatement:\n${stmt}`);
      }
    }
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    });
    result.applied.push(m.name);
  }
  return result;
}

/** The DDL a database would run, for review or for a cluster operator to apply by hand. */
export function renderAll(opts: RenderOptions, migrations = loadMigrations()): string {
  const block = (stmts: string[]) => stmts.map((s) => s + ';').join('\n\n');
  const parts = [block(renderMigration(LEDGER, opts)), ...migrations.map((m) => `-- ${m.name}\n${block(renderMigration(m.sql, opts))}`)];
  return parts.join('\n\n');
}
