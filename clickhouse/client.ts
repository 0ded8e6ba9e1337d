// One ClickHouse client factory for every part of Oversight.
// Embedded (default): chDB in this process behind @clickhouse/client, so queries, inserts and DDL take
// exactly the code path they take against a server. Production: CLICKHOUSE_URL points at a server or a
// cluster's load balancer. chDB locks its data directory, so one process must share one client: the
// client is kept on globalThis, which also makes the SvelteKit bundle and the CLI share it when
// `oversight serve` hosts both in one process.
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadEnv, type Env } from '../config/env.ts';
import type { TableName, TableRows } from '../contracts/tables.ts';
import { prepareDataDir } from './data-dir.ts';
import { chdbConnectionArgs } from './chdb-memory.ts';

export type { ClickHouseClient };

export interface ClickHouseTarget {
  kind: 'embedded' | 'server';
  /** Data directory (embedded) or URL (server), for messages. */
  where: string;
  database: string;
  cluster?: string;
}

interface Shared {
  client: ClickHouseClient;
  /** Embedded only: the chDB session that started the engine with its memory bounds (see embeddedClient). */
  engine?: { close(): void };
  target: ClickHouseTarget;
  key: string;
}
const SLOT = Symbol.for('genai-oversight.clickhouse');
type Holder = { [SLOT]?: Shared };

export function targetFromEnv(env: Env = loadEnv()): ClickHouseTarget {
  return env.CLICKHOUSE_URL
    ? { kind: 'server', where: env.CLICKHOUSE_URL, database: env.CLICKHOUSE_DATABASE, cluster: env.CLICKHOUSE_CLUSTER }
    : { kind: 'embedded', where: resolve(env.OVERSIGHT_DATA_DIR), database: 'default' };
}

export class ChdbLockedError extends Error {}
/** The embedded data directory cannot be opened (unwritable, damaged): one line for the CLI, exit 2. */
export class EmbeddedDatabaseError extends Error {}

const lockedMessage = (path: string, pid?: number) =>
  `the embedded database at ${path} is in use by another process${pid ? ` (pid ${pid})` : ''} (usually a running \`oversight serve\`). ` +
  'Stop it, use its admin API, or set OVERSIGHT_DATA_DIR to another directory.';

/**
 * The live process that holds `path`, from the status file chDB writes there ("PID: 123"). Checked before
 * chDB is loaded because chDB prints its own lock error to stderr, making the CLI's one line three.
 * A status file left by a process that died is ignored (chDB then takes the directory over).
 */
function lockHolder(path: string): number | undefined {
  const status = `${path}/status`;
  if (!existsSync(status)) return undefined;
  const pid = Number(/^PID:\s*(\d+)/m.exec(readFileSync(status, 'utf8'))?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined; // no such process
  }
  // A recycled pid of an unrelated program does not hold the lock; on Linux, require a node process.
  const cmdline = `/proc/${pid}/cmdline`;
  if (existsSync('/proc/self') && (!existsSync(cmdline) || !/node/.test(readFileSync(cmdline, 'utf8')))) return undefined;
  return pid;
}

/** Returns the process-wide client, creating it on first use. */
export async function getClickHouse(env: Env = loadEnv()): Promise<ClickHouseClient> {
  const target = targetFromEnv(env);
  const key = `${target.kind}:${target.where}:${target.database}`;
  const holder = globalThis as Holder;
  const shared = holder[SLOT];
  if (shared) {
    if (shared.key !== key) throw new Error(`a ClickHouse client for ${shared.key} is already open in this process; cannot also open ${key}`);
    return shared.client;
  }
  const { client, engine } = target.kind === 'server' ? { client: serverClient(env), engine: undefined } : await embeddedClient(target.where, env);
  holder[SLOT] = { client, engine, target, key };
  return client;
}

export function currentTarget(): ClickHouseTarget | undefined {
  return (globalThis as Holder)[SLOT]?.target;
}

/**
 * The data directory when `client` is this process's embedded client, else undefined (a server). A
 * streamed read (clickhouse/stream.ts) opens its own chDB session on that directory.
 */
export function embeddedDataDir(client: ClickHouseClient): string | undefined {
  const shared = (globalThis as Holder)[SLOT];
  return shared && shared.client === client && shared.target.kind === 'embedded' ? shared.target.where : undefined;
}

export async function closeClickHouse(): Promise<void> {
  const holder = globalThis as Holder;
  const shared = holder[SLOT];
  holder[SLOT] = undefined;
  await shared?.client.close();
  shared?.engine?.close();
}

function serverClient(env: Env): ClickHouseClient {
  return createClient({
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    database: env.CLICKHOUSE_DATABASE,
    compression: { request: true, response: true },
    clickhouse_settings: { date_time_input_format: 'best_effort', output_format_json_quote_64bit_integers: 0 },
  });
}

async function embeddedClient(path: string, env: Env): Promise<{ client: ClickHouseClient; engine: { close(): void } }> {
  try {
    prepareDataDir(path); // owner-only: raw prompts, password hashes and the audit log live here
  } catch (err) {
    throw new EmbeddedDatabaseError(`cannot create the embedded database directory ${path}: ${(err as Error).message}`);
  }
  const holder = lockHolder(path);
  if (holder) throw new ChdbLockedError(lockedMessage(path, holder));
  const { createChdbConnection } = await import('chdb/connection');
  const { Session } = await import('chdb');
  let client: ClickHouseClient;
  let engine: { close(): void } | undefined;
  try {
    // chDB starts one engine per process, with the arguments of the first connection to its directory;
    // `createChdbConnection` passes none, so a plain session opened first starts it with the memory
    // bounds (clickhouse/chdb-memory.ts) and is kept open until closeClickHouse(). The client's
    // connection then joins that engine.
    engine = new Session(path, { connectionArgs: chdbConnectionArgs(env) });
    // The connection option is chDB's documented plug-in point; the client's public types predate it.
    client = createClient({
      connection: createChdbConnection({ path }),
      clickhouse_settings: { date_time_input_format: 'best_effort', output_format_json_quote_64bit_integers: 0 },
    } as Parameters<typeof createClient>[0]);
    await client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json());
  } catch (err) {
    engine?.close();
    const msg = String((err as Error)?.message ?? err);
    if (/already running|lock/i.test(msg)) throw new ChdbLockedError(lockedMessage(path));
    throw new EmbeddedDatabaseError(`cannot open the embedded database at ${path}: ${msg.split('\n')[0]}`);
  }
  return { client, engine };
}

/** Runs a query and returns its rows as objects. */
export async function queryRows<T>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown> = {},
  settings?: ClickHouseSettings,
): Promise<T[]> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow', ...(settings ? { clickhouse_settings: settings } : {}) });
  return rs.json<T>();
}

/**
 * Inserts rows into one table, typed by the table's row contract (contracts/tables.ts):
 * `insertRows(client, 'flags', rows)` accepts FlagRow[] only. Nothing is sent for no rows.
 */
export async function insertRows<T extends TableName>(client: ClickHouseClient, table: T, rows: readonly TableRows[T][]): Promise<void> {
  if (rows.length === 0) return;
  await client.insert({ table, values: rows as TableRows[T][], format: 'JSONEachRow' });
}
