// NDJSON files and stdin as a source, for backfills and the demo. The same ingest path as Kafka;
// a row's source is `file:<name>` (or `stdin`), partition -1 and its line number as the offset.
import type { ClickHouseClient } from '@clickhouse/client';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { pipeline, type Readable } from 'node:stream';
import { loadEnv, type Env } from '../config/env.ts';
import { EVENT_KINDS, KIND_BY_TOPIC, type EventKind } from '../contracts/events.ts';
import { OutputMetaCache } from './enrich.ts';
import { createIngestPath, type IngestPath, type IngestPathOptions } from './ingest.ts';
import { isBlank, ndjsonLines } from './ndjson-lines.ts';

export class FileSourceError extends Error {
  override name = 'UsageError';
}

export interface IngestSummary {
  read: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  seconds: number;
  eventsPerSecond: number;
}

export interface FileIngestOptions {
  env?: Env;
  /** genai.usage.v1 / genai.outputs.v1 / genai.feedback.v1; required for stdin and unrecognised names. */
  topic?: string;
  /** Name recorded as src_topic for a stream (default "stdin"). */
  sourceName?: string;
  /** Called about once a second with the running totals. */
  onProgress?: (p: { read: number; eventsPerSecond: number; source: string }) => void;
  /** Where a stalled write (ClickHouse failing, retried with backoff) is reported; default stderr. */
  log?: (line: string) => void;
  pathOptions?: Partial<IngestPathOptions>;
}

/** The event kind of a file: from --topic, or from a name such as genai.usage.v1-2026-11.ndjson. */
export function kindForFile(path: string, topic?: string): EventKind {
  if (topic) {
    const k = KIND_BY_TOPIC[topic];
    if (!k) throw new FileSourceError(`unknown topic ${topic}; use one of ${Object.keys(KIND_BY_TOPIC).join(', ')}`);
    return k;
  }
  const name = basename(path);
  for (const [t, k] of Object.entries(KIND_BY_TOPIC)) if (name.startsWith(t)) return k;
  throw new FileSourceError(
    `cannot tell the topic of ${path}: name the file genai.usage.v1*.ndjson, genai.outputs.v1*.ndjson or genai.feedback.v1*.ndjson, or pass --topic`,
  );
}

class Session {
  readonly paths = new Map<EventKind, IngestPath>();
  private readonly cache = new OutputMetaCache();
  readonly started = performance.now();
  private readonly client: ClickHouseClient;
  private readonly env: Env;
  private readonly extra: Partial<IngestPathOptions>;
  private readonly log: (line: string) => void;
  constructor(client: ClickHouseClient, env: Env, extra: Partial<IngestPathOptions> = {}, log: (line: string) => void = (l) => console.error(l)) {
    this.client = client;
    this.env = env;
    this.extra = extra;
    this.log = log;
  }

  path(kind: EventKind): IngestPath {
    let p = this.paths.get(kind);
    if (!p) {
      p = createIngestPath(this.client, kind, {
        batchSize: this.env.INGEST_BATCH_SIZE,
        batchMs: this.env.INGEST_BATCH_MS,
        maxMessageBytes: this.env.INGEST_MAX_MESSAGE_BYTES,
        outputCache: this.cache,
        // A stall is said out loud: without it a file ingest waiting on ClickHouse looks hung.
        onStall: (err, attempt, delayMs) => this.log(`write failed (attempt ${attempt}, retrying in ${delayMs} ms): ${String((err as Error)?.message ?? err).split('\n')[0]}`),
        onRecover: () => this.log('writes succeed again'),
        onRollupRepair: (l) => this.log(l),
        ...this.extra,
      });
      this.paths.set(kind, p);
    }
    return p;
  }

  summary(): IngestSummary {
    const s = { read: 0, inserted: 0, duplicates: 0, rejected: 0 };
    for (const p of this.paths.values()) {
      s.read += p.counts.read;
      s.inserted += p.counts.inserted;
      s.duplicates += p.counts.duplicates;
      s.rejected += p.counts.rejected;
    }
    const seconds = (performance.now() - this.started) / 1000;
    return { ...s, seconds: Math.round(seconds * 1000) / 1000, eventsPerSecond: Math.round(s.read / Math.max(seconds, 1e-3)) };
  }
}

async function pump(session: Session, kind: EventKind, input: Readable, source: string, opts: FileIngestOptions): Promise<void> {
  const path = session.path(kind);
  const maxBacklog = 3 * path.batchSize;
  const waiting: Promise<void>[] = [];
  let last: Promise<void> | undefined;
  let lineNo = 0;
  let lastReport = performance.now();
  try {
    for await (const line of ndjsonLines(input, path.maxMessageBytes)) {
      lineNo = line.number;
      if (isBlank(line.bytes)) continue;
      const p = path.add({ topic: source, partition: -1, offset: String(line.number), value: line.bytes, size: line.length });
      if (p !== last) {
        waiting.push(p);
        last = p;
      }
      // Backpressure: do not read further ahead than a few batches of what ClickHouse has acknowledged.
      if (path.backlog >= maxBacklog && waiting.length) await waiting.shift();
      if (opts.onProgress && performance.now() - lastReport >= 1000) {
        lastReport = performance.now();
        const s = session.summary();
        opts.onProgress({ read: s.read, eventsPerSecond: s.eventsPerSecond, source });
      }
    }
  } catch (err) {
    // The input itself failed (unreadable file, corrupt gzip): store what was read, then say where.
    await path.flush();
    throw new FileSourceError(`${source}: reading stopped after line ${lineNo} (${String((err as Error)?.message ?? err).split('\n')[0]}); the lines before it are stored`);
  }
  await path.flush();
}

function openInput(path: string): Readable {
  const stream = createReadStream(path);
  // pipeline (not .pipe) so a read error of the file reaches the gunzip stream the source iterates.
  return path.endsWith('.gz') ? pipeline(stream, createGunzip(), () => {}) : stream;
}

/** Ingests NDJSON files ('-' for stdin); outputs are read before feedback so ratings find their answer. */
export async function ingestFiles(client: ClickHouseClient, paths: string[] | '-', opts: FileIngestOptions = {}): Promise<IngestSummary> {
  const env = opts.env ?? loadEnv();
  const session = new Session(client, env, opts.pathOptions, opts.log);
  const list = paths === '-' ? ['-'] : paths;
  for (const p of list) {
    if (p !== '-' && (!existsSync(p) || !statSync(p).isFile())) throw new FileSourceError(`${p} is not a readable file`);
  }
  const jobs = list.map((p) => ({ p, kind: p === '-' ? kindForStdin(opts.topic) : kindForFile(p, opts.topic) }));
  jobs.sort((a, b) => EVENT_KINDS.indexOf(a.kind) - EVENT_KINDS.indexOf(b.kind));
  for (const { p, kind } of jobs) {
    if (p === '-') await pump(session, kind, process.stdin, opts.sourceName ?? 'stdin', opts);
    else await pump(session, kind, openInput(p), `file:${basename(p)}`, opts);
  }
  return session.summary();
}

function kindForStdin(topic?: string): EventKind {
  if (!topic) throw new FileSourceError('reading stdin needs --topic (genai.usage.v1, genai.outputs.v1 or genai.feedback.v1)');
  return kindForFile('-', topic);
}

/** Ingests one NDJSON stream (stdin, an HTTP request body) of `topic`. */
export async function ingestStream(client: ClickHouseClient, input: Readable, opts: FileIngestOptions & { topic: string }): Promise<IngestSummary> {
  const env = opts.env ?? loadEnv();
  const session = new Session(client, env, opts.pathOptions, opts.log);
  await pump(session, kindForFile('-', opts.topic), input, opts.sourceName ?? 'stdin', opts);
  return session.summary();
}

/**
 * Copies stdin to a temporary file and returns it with a cleanup function. Needed in embedded mode:
 * chDB treats a piped stdin as the data of the process's INSERT statements, so stdin must be read to
 * its end before the database is opened (and the spool keeps memory flat for large backfills).
 */
export async function spoolStdin(): Promise<{ path: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'oversight-stdin-'));
  const path = join(dir, 'stdin.ndjson');
  await pipelineAsync(process.stdin, createWriteStream(path));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

