// The one ingestion path shared by the Kafka consumer and the file/stdin source:
//   validate (rows.ts) → buffer → seal a batch by size or time → drop repeats and already-stored events
//   → insert → write rejects to ingest_errors and the DLQ → resolve the batch.
// Every failure of one event stays with that event: validation never throws (rows.ts), an insert that
// ClickHouse refuses for a data reason is bisected until the rows it refuses are alone, and those go to
// the DLQ like any reject; only an outage (network, disk, a failing view) stalls the batch and retries.
// A source learns that its records are durable when the promise returned by add() resolves; only then
// may it commit (Kafka offsets) or report them as done. Batches are flushed one at a time and in order,
// so the dedup lookup of a batch sees the inserts of the batches before it; the one exception is the
// batch right before, whose insert the lookup overlaps (lookUpEarly), and whose outcome is added to
// the lookup's answer before this batch inserts.
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { EventKind } from '../contracts/events.ts';
import { dropRepeats, restoreIds, storedKeys } from './dedup.ts';
import { toDlqMessage, writeIngestErrors, type DlqSink, type SourceRef } from './dlq.ts';
import { enrichFeedback, OutputMetaCache } from './enrich.ts';
import { metrics } from './metrics.ts';
import { DEFAULT_RETRY, retryForever, type RetryPolicy } from './retry.ts';
import { parseEvent, reject, TABLE_BY_KIND, utcDay, type Accepted, type FeedbackRow, type OutputRow, type ParseResult } from './rows.ts';
import { rebuildRollupDay, rollupDefinitions, rollupDrift } from '../clickhouse/rollups.ts';
import type { DlqMessage } from '../contracts/events.ts';

export interface SourceRecord extends SourceRef {
  value: Buffer | string | null;
  /** The message's full size when `value` holds only its start (a file line cut by ndjson-lines.ts). */
  size?: number;
}

/** Writes rows to a table; the default is client.insert. Tests swap it to simulate an outage. */
export type InsertFn = (table: string, rows: object[]) => Promise<void>;

export interface IngestPathOptions {
  batchSize: number;
  batchMs: number;
  maxMessageBytes: number;
  /** Kafka DLQ topic; without it rejects go to ingest_errors only (file ingestion without Kafka). */
  dlq?: DlqSink;
  /** Shared between the outputs and feedback paths of one process. */
  outputCache?: OutputMetaCache;
  insert?: InsertFn;
  retry?: RetryPolicy;
  /** A ClickHouse/Kafka write failed and will be retried after `delayMs`. */
  onStall?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Writes succeed again after a stall. */
  onRecover?: () => void;
  /**
   * False when no interrupted insert can have written the event at this source position (the Kafka
   * ingester knows each partition's replay range, kafka-ingester.ts): its lookup then skips the
   * raw-table half (dedup.ts). Default: every event may be a replay (the file source).
   */
  mayBeReplay?: (src: SourceRef) => boolean;
  /** A rollup day was rebuilt after an insert whose views failed (see repairRollups). */
  onRollupRepair?: (line: string) => void;
}

export interface IngestCounts {
  read: number;
  inserted: number;
  /** Repeats inside a batch plus events that were already stored. */
  duplicates: number;
  rejected: number;
  batches: number;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A source may not await every batch (e.g. on shutdown); the rejection is still reported by flush().
  promise.catch(() => {});
  return { promise, resolve, reject };
}

type Item = Accepted & {
  row: Accepted['row'] & { src_topic: string; src_partition: number; src_offset: number };
  /** Where it came from, with its bytes: a row ClickHouse refuses goes to the DLQ as it was sent. */
  src: SourceRecord;
};

/**
 * ClickHouse error types that mean "this data", not "this server": retrying cannot help, so the insert
 * is split to find the rows at fault. Anything else (network, disk, memory, a failing view) is an outage
 * and the whole batch waits and retries.
 */
const DATA_ERROR = /^(CANNOT_PARSE_|CANNOT_READ_|INCORRECT_DATA|TOO_LARGE_STRING_SIZE|TYPE_MISMATCH|VALUE_IS_OUT_OF_RANGE|ARGUMENT_OUT_OF_BOUND|CANNOT_CONVERT_TYPE|CANNOT_INSERT_NULL|DECIMAL_OVERFLOW|INCORRECT_NUMBER_OF_COLUMNS|UNEXPECTED_END_OF_FILE|CANNOT_ALLOCATE_MEMORY_FOR_STRING|ILLEGAL_TYPE_OF_ARGUMENT)/;
export function isDataError(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === 'string' && DATA_ERROR.test(type);
}

/** What the attempts to store one batch's unique items found out (kept across retries). */
interface StoreState {
  /** Keys sent in an insert, whatever its outcome. */
  sent: Set<string>;
  /** Keys whose insert ClickHouse acknowledged. */
  confirmed: Set<string>;
  /** Stored before this batch: repeats of earlier events. */
  duplicates: Set<string>;
  /** Sent in an insert that failed, yet found stored: the raw part was written, a view may have missed them. */
  partial: Map<string, Item>;
  /** Refused by ClickHouse alone: to the DLQ. */
  poison: Map<string, { item: Item; reason: string }>;
}
/** What a lookup found, as store() reads it: only asked whether a key is stored. */
interface KnownKeys {
  stored: { has(key: string): boolean };
  missingIds: Set<string>;
}

const newStoreState = (): StoreState => ({ sent: new Set(), confirmed: new Set(), duplicates: new Set(), partial: new Map(), poison: new Map() });

interface Batch {
  items: Item[];
  rejects: DlqMessage[];
  rejectCategories: string[];
  done: Deferred;
  size: number;
  /** Set when sealed: the first occurrence of each key, and how many repeats were dropped. */
  unique?: Item[];
  repeats?: number;
  /** The lookup of `unique`, started while the batch before it (`after`) was still being stored. */
  early?: { after: Batch | undefined; result: Promise<KnownKeys | undefined> };
  /** Once stored: what its attempts found out (the next batch's early lookup may not have seen it). */
  state?: StoreState;
}
const newBatch = (): Batch => ({ items: [], rejects: [], rejectCategories: [], done: deferred(), size: 0 });

export class IngestPath {
  readonly table: string;
  readonly counts: IngestCounts = { read: 0, inserted: 0, duplicates: 0, rejected: 0, batches: 0 };
  private current = newBatch();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private pending = 0;
  private readonly abort = new AbortController();
  private readonly insertRows: InsertFn;
  private readonly outputCache: OutputMetaCache;
  private stalled = false;
  /** Records added since the consumed counter was last moved. */
  private unreported = 0;

  private readonly client: ClickHouseClient;
  readonly kind: EventKind;
  private readonly opts: IngestPathOptions;

  constructor(client: ClickHouseClient, kind: EventKind, opts: IngestPathOptions) {
    this.client = client;
    this.kind = kind;
    this.opts = opts;
    this.table = TABLE_BY_KIND[kind];
    this.outputCache = opts.outputCache ?? new OutputMetaCache();
    this.insertRows = opts.insert ?? ((table, rows) => insertCompact(client, table, rows as Record<string, unknown>[]));
  }

  get batchSize(): number {
    return this.opts.batchSize;
  }

  get maxMessageBytes(): number {
    return this.opts.maxMessageBytes;
  }

  /** Records added but not durable yet. */
  get backlog(): number {
    return this.pending;
  }

  /** Validates and buffers one record; the promise resolves once it is stored (or rejected to the DLQ). */
  add(rec: SourceRecord): Promise<void> {
    const batch = this.current;
    this.counts.read++;
    this.pending++;
    // Counted into oversight_ingest_consumed_total when the batch is sealed (within INGEST_BATCH_MS):
    // a labelled inc builds its label key on every call.
    this.unreported++;
    let parsed: ParseResult;
    try {
      parsed = parseEvent(this.kind, rec.value, this.opts.maxMessageBytes, rec.size);
    } catch (err) {
      // parseEvent is written not to throw; if a case was missed, it stays this event's problem.
      parsed = reject('schema', `could not be validated (${(err as Error)?.name ?? 'error'})`);
    }
    if (parsed.ok) {
      const item = parsed as Item;
      item.row.src_topic = rec.topic;
      item.row.src_partition = rec.partition;
      item.row.src_offset = Number(rec.offset);
      item.src = rec;
      batch.items.push(item);
      if (this.kind === 'outputs') {
        // Remembered now, not after the insert: a rating read in the same fetch round (a backlog replay)
        // is enriched from it even when its batch is stored before this one.
        const r = item.row as OutputRow;
        this.outputCache.rememberIfAbsent(r.output_id, { ministry: r.ministry, app: r.app, model: r.model });
      }
    } else {
      batch.rejects.push(toDlqMessage(rec, rec.value, parsed.reason));
      batch.rejectCategories.push(parsed.category);
    }
    batch.size++;
    if (batch.size >= this.opts.batchSize) this.seal();
    else if (!this.timer) this.timer = setTimeout(() => this.seal(), this.opts.batchMs);
    return batch.done.promise;
  }

  /**
   * Seals the batch once the current turn of the event loop is over: the Kafka consumer hands over all
   * partitions of one fetch in the same turn, so they share one insert instead of one each.
   */
  flushSoon(): void {
    this.immediate ??= setImmediate(() => {
      this.immediate = undefined;
      this.seal();
    });
  }

  /** Seals what is buffered and resolves when every batch so far is durable (rejects if one failed). */
  async flush(): Promise<void> {
    this.seal();
    await this.chain;
    const last = this.lastError;
    this.lastError = undefined;
    if (last) throw last;
  }

  /** Stops retrying: batches still waiting fail, so their source does not commit them. */
  close(): void {
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.abort.abort();
  }

  private lastError: unknown;

  /** Sealed batches not stored yet, oldest first (the first one is being stored). */
  private readonly unfinished: Batch[] = [];
  /** Batches whose makeDurable succeeded (their StoreState is complete). */
  private readonly finishedOk = new WeakSet<Batch>();

  private seal(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.unreported) {
      metrics.consumed.inc({ kind: this.kind }, this.unreported);
      this.unreported = 0;
    }
    const batch = this.current;
    if (batch.size === 0) return;
    this.current = newBatch();
    const { unique, repeats } = dropRepeats(batch.items);
    batch.unique = unique;
    batch.repeats = repeats;
    this.unfinished.push(batch);
    if (this.unfinished.length <= 2) this.lookUpEarly(batch, this.unfinished.length === 2 ? this.unfinished[0] : undefined);
    this.chain = this.chain.then(() =>
      this.makeDurable(batch).then(
        () => {
          this.pending -= batch.size;
          this.finishedOk.add(batch);
          batch.done.resolve();
        },
        (err) => {
          this.pending -= batch.size;
          this.lastError = err;
          batch.done.reject(err);
        },
      ),
    ).finally(() => {
      this.unfinished.shift();
      // The next-but-one batch may look up now: everything before it is stored except the one running.
      if (this.unfinished.length >= 2) this.lookUpEarly(this.unfinished[1], this.unfinished[0]);
    });
  }

  /**
   * Overlaps a batch's dedup lookup with the insert of the batch before it (`after`): chDB runs both
   * on worker threads, and lookup plus insert are the ingester's largest costs. It is exact because
   * every batch before `after` is stored already, so the lookup sees them, and whatever `after` itself
   * stores or finds stored is in its StoreState when this batch's turn comes (store() adds it). Only
   * the first attempt uses it; retries and bisections look up again.
   */
  private lookUpEarly(batch: Batch, after: Batch | undefined): void {
    if (batch.early || !batch.unique?.length) return;
    const mayBeReplay = this.opts.mayBeReplay;
    const replayable = mayBeReplay ? (it: Accepted) => mayBeReplay((it as Item).src) : undefined;
    const started = performance.now();
    const result = storedKeys(this.client, this.kind, batch.unique, replayable).then(
      (found) => {
        metrics.lookupSeconds.observe({ kind: this.kind }, (performance.now() - started) / 1000);
        return found;
      },
      () => undefined, // an outage: the batch looks up again in its turn, with retries
    );
    batch.early = { after, result };
  }

  private retrying<T>(fn: () => Promise<T>): Promise<T> {
    return retryForever(fn, this.opts.retry ?? DEFAULT_RETRY, {
      signal: this.abort.signal,
      onFailure: (err, attempt, delay) => {
        metrics.insertRetries.inc({ kind: this.kind });
        this.stalled = true;
        this.opts.onStall?.(err, attempt, delay);
      },
      onRecovered: () => {
        if (this.stalled) {
          this.stalled = false;
          this.opts.onRecover?.();
        }
      },
    });
  }

  private async makeDurable(batch: Batch): Promise<void> {
    const started = performance.now();
    const unique = batch.unique ?? [];
    const repeats = batch.repeats ?? 0;
    if (repeats) metrics.deduplicated.inc({ kind: this.kind, where: 'batch' }, repeats);
    const state = newStoreState();
    batch.state = state;
    const early = await this.earlyLookup(batch);
    if (unique.length) {
      // Lookup and insert are retried together: if an insert reached ClickHouse but its answer was lost,
      // the next lookup finds those rows and nothing is inserted twice.
      let first: KnownKeys | undefined = early;
      await this.retrying(() => {
        const known = first;
        first = undefined;
        return this.store(unique, state, known);
      });
      if (state.partial.size) await this.retrying(() => this.repairRollups([...state.partial.values()]));
      if (this.kind === 'outputs') {
        // A repeat of a stored output may name another ministry: forget what add() remembered, so a
        // rating is enriched from the stored answer, not from the repeat.
        for (const key of state.duplicates) this.outputCache.forget(key);
      }
    }
    const inserted = state.confirmed.size + state.partial.size;
    const rejects = [...batch.rejects];
    const categories = [...batch.rejectCategories];
    for (const { item, reason } of state.poison.values()) {
      rejects.push(toDlqMessage(item.src, item.src.value, reason));
      categories.push('insert_refused');
    }
    if (rejects.length) {
      await this.retrying(() => writeIngestErrors(this.client, rejects));
      if (this.opts.dlq) await this.retrying(() => this.opts.dlq!.send(rejects));
      categories.forEach((reason) => metrics.dlq.inc({ kind: this.kind, reason }));
    }
    if (inserted) metrics.lastInsert.set({ table: this.table }, Date.now() / 1000);
    if (state.duplicates.size) metrics.deduplicated.inc({ kind: this.kind, where: 'stored' }, state.duplicates.size);
    metrics.inserted.inc({ kind: this.kind }, inserted);
    metrics.batchSeconds.observe({ kind: this.kind }, (performance.now() - started) / 1000);
    metrics.batchRows.observe({ kind: this.kind }, batch.size);
    metrics.lastBatchCompleted.set(Date.now() / 1000);
    this.counts.inserted += inserted;
    this.counts.duplicates += repeats + state.duplicates.size;
    this.counts.rejected += rejects.length;
    this.counts.batches++;
  }

  /**
   * The early lookup's answer completed with what the batch before it stored, or undefined when it
   * cannot be used (none was made, it failed, or the batch before did not finish).
   */
  private async earlyLookup(batch: Batch): Promise<KnownKeys | undefined> {
    const early = batch.early;
    batch.early = undefined;
    if (!early) return undefined;
    const found = await early.result;
    const before = early.after;
    if (!found) return undefined;
    if (!before) return found;
    if (before.state === undefined || !this.finishedOk.has(before)) return undefined;
    const s = before.state;
    // The batch before is done with; its state is not needed any more.
    before.state = undefined;
    // Asked per key rather than copied into one set: a batch's keys would be copied on every batch.
    const earlier = found.stored;
    const stored = { has: (k: string) => earlier.has(k) || s.confirmed.has(k) || s.duplicates.has(k) || s.partial.has(k) };
    return { stored, missingIds: found.missingIds };
  }

  /**
   * One attempt to store `items`: look up which are stored, insert the rest. When ClickHouse refuses the
   * insert for a data reason, each half is stored on its own (with its own lookup), down to single rows,
   * which go to the DLQ. An outage throws, and the caller retries with the same `state`.
   */
  private async store(items: Item[], state: StoreState, known?: KnownKeys): Promise<void> {
    const lookupStarted = performance.now();
    const candidates = state.poison.size ? items.filter((it) => !state.poison.has(it.key)) : items;
    // Once anything of this batch was sent, an insert of ours may have been cut between the raw part
    // and the id table, so every later lookup of the batch reads the raw table too.
    const mayBeReplay = this.opts.mayBeReplay;
    const replayable = mayBeReplay && state.sent.size === 0 ? (it: Accepted) => mayBeReplay((it as Item).src) : undefined;
    const found = known ?? (candidates.length ? await storedKeys(this.client, this.kind, candidates, replayable) : { stored: new Set<string>(), missingIds: new Set<string>() });
    const stored = found.stored;
    if (found.missingIds.size) await restoreIds(this.client, this.kind, candidates.filter((it) => found.missingIds.has(it.key)));
    if (!known) metrics.lookupSeconds.observe({ kind: this.kind }, (performance.now() - lookupStarted) / 1000);
    const fresh: Item[] = [];
    for (const it of candidates) {
      if (!stored.has(it.key)) fresh.push(it);
      else if (!state.sent.has(it.key)) state.duplicates.add(it.key);
      else if (!state.confirmed.has(it.key)) state.partial.set(it.key, it);
    }
    if (fresh.length === 0) return;
    if (this.kind === 'feedback') await enrichFeedback(this.client, fresh.map((it) => it.row as FeedbackRow), this.outputCache);
    for (const it of fresh) state.sent.add(it.key);
    const insertStarted = performance.now();
    try {
      await this.insertRows(this.table, fresh.map((it) => it.row));
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (fresh.length === 1) {
        // The error type only: ClickHouse's message quotes the data around the fault, and reasons reach
        // roles that may not read raw events.
        state.poison.set(fresh[0].key, { item: fresh[0], reason: `insert_refused: ClickHouse refused the row (${(err as { type?: string }).type})` });
        return;
      }
      const half = Math.ceil(fresh.length / 2);
      await this.store(fresh.slice(0, half), state);
      await this.store(fresh.slice(half), state);
      return;
    }
    metrics.insertSeconds.observe({ kind: this.kind }, (performance.now() - insertStarted) / 1000);
    for (const it of fresh) state.confirmed.add(it.key);
  }

  /**
   * Rows whose insert failed but whose raw part was written: the views of that INSERT (the rollups) may
   * have missed them, and a later replay is dropped as a repeat, so the dashboard would stay short.
   * Compare each rollup with the raw rows on their days and rebuild the days that differ (the same
   * check and repair as after a crash, clickhouse/rollups.ts). On a ClickHouse server another ingester
   * writing the same day during the rebuild could be counted twice; this runs only after a view failed.
   */
  private async repairRollups(items: Item[]): Promise<void> {
    const defs = rollupDefinitions().filter((d) => d.source === this.table);
    const days = [...new Set(items.map((it) => utcDay(it.row.occurred_at)))].sort();
    for (const drift of await rollupDrift(this.client, defs, days)) {
      await rebuildRollupDay(this.client, defs.find((d) => d.rollup === drift.rollup)!, drift.day);
      this.opts.onRollupRepair?.(`rollup ${drift.rollup} ${drift.day}: ${drift.rollupValue} counted, ${drift.raw} stored; rebuilt from the raw rows`);
    }
  }
}

/**
 * Inserts rows as JSONCompactEachRow (one array per row, the column list named once): ClickHouse parses
 * it about a third faster than JSONEachRow, which repeats every key in every row (a side measurement of
 * 20,000-row usage batches into chDB: 97k → 124-142k rows/s). Every row of a batch has the same keys
 * (rows.ts builds them), so the first row names the columns.
 *
 * The body is encoded with one JSON.stringify of the whole batch (issue 15): "[[…],[…]]" without its
 * outer brackets is the rows separated by commas, which JSONCompactEachRow reads between rows like
 * newlines. client.insert would stringify each row on its own and join the lines, about twice the
 * JavaScript per row and a string per row to collect; so the INSERT goes through client.exec, which
 * sends the same statement and body (the same request compression against a server, the same inline
 * body in chDB) and fails with the same ClickHouse error types (isDataError).
 */
export async function insertCompact(client: ClickHouseClient, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const width = columns.length;
  const values: unknown[][] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const v: unknown[] = new Array(width);
    for (let c = 0; c < width; c++) v[c] = row[columns[c]];
    values[i] = v;
  }
  const body = JSON.stringify(values).slice(1, -1);
  const { stream } = await client.exec({ query: `INSERT INTO ${table} (${columns.join(', ')}) FORMAT JSONCompactEachRow`, values: Readable.from([body]) });
  // An exec's answer must be read to the end, or its HTTP socket is not released.
  for await (const _ of stream);
}

export function createIngestPath(client: ClickHouseClient, kind: EventKind, opts: IngestPathOptions): IngestPath {
  return new IngestPath(client, kind, opts);
}
