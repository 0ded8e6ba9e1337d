// Renders the migration templates for one node or for a cluster. The same files serve both, so the
// cluster DDL cannot drift from what the tests run on chDB:
//   {{table:X}}        X on one node; X_local (the shard-local table) on a cluster
//   {{on_cluster}}     nothing; ON CLUSTER <name>
//   {{engine:E(args)}} E(args); ReplicatedE('/clickhouse/tables/{shard}/{database}/X_local', '{replica}', args)
//   {{distributed:X:k}} nothing; a Distributed table X over X_local, sharded by k
//   {{raw_text_ttl_days}} the TTL for raw prompt/response text

export interface RenderOptions {
  cluster?: string;
  rawTextTtlDays: number;
}

const PLACEHOLDER = /\{\{(\w+)(?::([^}]*))?\}\}/g;

export function renderMigration(sql: string, opts: RenderOptions): string[] {
  const statements = splitStatements(sql);
  return statements
    .map((stmt) => renderStatement(stmt, opts))
    .filter((s) => s.trim() !== '');
}

function renderStatement(stmt: string, opts: RenderOptions): string {
  const { cluster } = opts;
  // The table a CREATE TABLE statement defines: its engine's replication path names it.
  const created = /\{\{table:(\w+)\}\}/.exec(stmt)?.[1];
  return stmt.replace(PLACEHOLDER, (whole, name: string, arg: string | undefined) => {
    switch (name) {
      case 'table':
        return cluster ? `${arg}_local` : arg!;
      case 'on_cluster':
        return cluster ? `ON CLUSTER ${cluster}` : '';
      case 'engine':
        return cluster ? replicated(arg!, `${created}_local`) : arg!;
      case 'distributed': {
        if (!cluster) return '';
        const [table, ...key] = arg!.split(':');
        return (
          `CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER ${cluster} AS ${table}_local ` +
          `ENGINE = Distributed(${cluster}, currentDatabase(), ${table}_local, ${key.join(':')})`
        );
      }
      case 'raw_text_ttl_days':
        return String(opts.rawTextTtlDays);
      default:
        throw new Error(`unknown migration placeholder ${whole}`);
    }
  });
}

function replicated(engine: string, table: string): string {
  const m = /^(\w+)(?:\((.*)\))?$/s.exec(engine.trim());
  if (!m) throw new Error(`cannot make a replicated engine of ${engine}`);
  const [, base, args] = m;
  const path = `'/clickhouse/tables/{shard}/{database}/${table}'`;
  return `Replicated${base}(${[path, "'{replica}'", ...(args ? [args] : [])].join(', ')})`;
}

/** Splits a SQL file into statements: comment lines dropped, statements end with ';' at a line end. */
export function splitStatements(sql: string): string[] {
  const body = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return body
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}
