// A bench harness, not product code: an HTTP server that speaks just enough of ClickHouse's HTTP
// interface for `oversight ingest` with CLICKHOUSE_URL pointing at it, and throws the data away. It
// lets the bench measure the ingester alone (its memory and rate in server mode) on a machine without
// a ClickHouse server, with the ClickHouse side costing nothing.
//
// What it answers, as ClickHouse would for an empty database:
//  - GET /ping: "Ok.\n".
//  - an insert (the statement in the URL's `query` parameter, `INSERT ... FORMAT X`, rows in the body,
//    gzip when the client compresses requests): the body is read, counted (rows = top-level JSON values
//    for a JSON*EachRow format, else lines) and discarded.
//  - any other statement (in the body, or in the `query` part of a multipart body when the client sends
//    query parameters that way): DDL and SET get an empty 200; a SELECT gets no rows in the format its
//    FORMAT clause asks for. So migrations "apply", and the dedup lookups find nothing stored, which is
//    what a fresh database answers: every event is new.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';

export interface SinkStats {
  /** INSERT requests and the rows (lines) and bytes (decompressed) they carried, per table. */
  inserts: Record<string, { requests: number; rows: number; bytes: number }>;
  /** SELECT-like statements answered with no rows. */
  selects: number;
  /** DDL and other statements acknowledged. */
  commands: number;
}

export interface DiscardSink {
  url: string;
  stats: SinkStats;
  close(): Promise<void>;
}

/** The decompressed request body as a stream (the client gzips insert bodies when compressing requests). */
function bodyOf(req: IncomingMessage): Readable {
  const enc = req.headers['content-encoding'];
  if (!enc) return req;
  if (enc === 'gzip') return req.pipe(createGunzip());
  throw new Error(`the discard sink does not decode Content-Encoding ${enc}`);
}

async function countLines(body: Readable): Promise<{ rows: number; bytes: number }> {
  let rows = 0;
  let bytes = 0;
  let last = 10;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
    last = chunk[chunk.length - 1] ?? last;
  }
  if (bytes > 0 && last !== 10) rows++; // a last row without a newline
  return { rows, bytes };
}

/**
 * Rows of a JSON*EachRow body: its top-level objects or arrays, whatever separates them (a newline,
 * or a comma, as pipelines/ingest.ts insertCompact sends them). Brackets inside strings do not count.
 */
async function countJsonRows(body: Readable): Promise<{ rows: number; bytes: number }> {
  let rows = 0;
  let bytes = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b) {
        if (depth++ === 0) rows++;
      } else if (c === 0x5d || c === 0x7d) depth--;
    }
  }
  return { rows, bytes };
}

async function text(body: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** The SQL of a non-insert request: the body, or the `query` part of a multipart body. */
function statementOf(req: IncomingMessage, body: string): string {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) return body;
  return /name="query"\r?\n\r?\n([\s\S]*?)\r?\n--/.exec(body)?.[1] ?? '';
}

/** An empty result in the given output format, as ClickHouse writes it. */
function emptyResult(format: string | undefined): { body: string; type: string } {
  switch (format) {
    case 'JSON':
    case 'JSONCompact':
    case 'JSONStrings':
      return { body: JSON.stringify({ meta: [], data: [], rows: 0, statistics: { elapsed: 0, rows_read: 0, bytes_read: 0 } }) + '\n', type: 'application/json; charset=UTF-8' };
    case 'JSONObjectEachRow':
      return { body: '{}\n', type: 'application/json; charset=UTF-8' };
    default:
      return { body: '', type: 'text/plain; charset=UTF-8' };
  }
}

const SUMMARY = (rows: number, bytes: number) =>
  JSON.stringify({ read_rows: '0', read_bytes: '0', written_rows: String(rows), written_bytes: String(bytes), total_rows_to_read: '0', result_rows: String(rows), result_bytes: String(bytes), elapsed_ns: '0' });

async function handle(req: IncomingMessage, res: ServerResponse, stats: SinkStats): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sink');
  if (url.pathname === '/ping') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
    return;
  }
  const headers = { 'x-clickhouse-query-id': url.searchParams.get('query_id') ?? '', 'x-clickhouse-server-display-name': 'discard-sink' };
  const inUrl = url.searchParams.get('query') ?? '';
  const insert = /^\s*INSERT\s+INTO\s+([\w.`"]+)/i.exec(inUrl);
  if (insert) {
    const json = /\bFORMAT\s+JSON\w*EachRow\b/i.test(inUrl);
    const { rows, bytes } = await (json ? countJsonRows : countLines)(bodyOf(req));
    const table = insert[1].replace(/[`"]/g, '');
    const t = (stats.inserts[table] ??= { requests: 0, rows: 0, bytes: 0 });
    t.requests++;
    t.rows += rows;
    t.bytes += bytes;
    res.writeHead(200, { ...headers, 'x-clickhouse-summary': SUMMARY(rows, bytes), 'content-type': 'text/plain; charset=UTF-8' }).end();
    return;
  }
  const sql = `${inUrl}\n${statementOf(req, await text(bodyOf(req)))}`.trim();
  if (/^(WITH|SELECT|SHOW|DESCRIBE|DESC|EXISTS)\b/i.test(sql.replace(/^\(+/, ''))) {
    stats.selects++;
    const format = [...sql.matchAll(/\bFORMAT\s+([A-Za-z]+)/gi)].at(-1)?.[1] ?? url.searchParams.get('default_format') ?? undefined;
    const out = emptyResult(format);
    res.writeHead(200, { ...headers, 'x-clickhouse-format': format ?? 'TabSeparated', 'x-clickhouse-summary': SUMMARY(0, 0), 'content-type': out.type }).end(out.body);
    return;
  }
  stats.commands++;
  res.writeHead(200, { ...headers, 'x-clickhouse-summary': SUMMARY(0, 0), 'content-type': 'text/plain; charset=UTF-8' }).end();
}

/** Starts the sink on a free loopback port. */
export async function startDiscardSink(): Promise<DiscardSink> {
  const stats: SinkStats = { inserts: {}, selects: 0, commands: 0 };
  const server = createServer((req, res) => {
    handle(req, res, stats).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`Code: 1000. DB::Exception: discard sink: ${err.message}. (UNKNOWN_EXCEPTION)\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
