// Which Kafka messages can be replays of an interrupted insert, so the dedup lookup reads the raw
// table only for them (dedup.ts storedKeysQuery; the id-table half still runs for every event, so a
// producer that sent the same event twice, at any offset, is still caught).
//
// The argument. The raw-table half exists for one case: an INSERT cut between the raw part and the id
// table's view (kill -9, or an insert attempt that failed midway), which leaves an event in the raw
// table but not in the id table. Rows record src_topic/src_partition/src_offset. When this member
// (re)joins the group, every insert that can touch its partitions is over: its own in-flight rounds
// finished before the rejoin (kafka-rejoin-fence.ts), the previous owner's finished before it rejoined
// (the same fence), and a crashed process writes nothing more. So max(src_offset) of a partition, read
// after the join, bounds every offset an interrupted insert can have written; a message above it can
// only be found by the id half (if its id came before at another offset, that insert completed).
// Within this generation our own inserts are retried with the full lookup (ingest.ts), and a partition
// whose round failed is treated as a replay in full until the next join (forget()).
import type { ClickHouseClient } from '@clickhouse/client';
import type { SourceRef } from './dlq.ts';

export class ReplayRanges {
  /** topic|partition → highest stored offset (-1 when none) as of the current generation. */
  private highest = new Map<string, number>();
  private loading = new Map<string, Promise<void>>();
  private generation = 0;

  private readonly client: ClickHouseClient;
  /** The raw tables that messages of `topic` land in (none: every message is a replay). */
  private readonly tables: (topic: string) => string[];
  constructor(client: ClickHouseClient, tables: (topic: string) => string[]) {
    this.client = client;
    this.tables = tables;
  }

  /** Before every (re)join: what other members stored meanwhile is unknown until loaded again. */
  reset(): void {
    this.generation++;
    this.highest.clear();
    this.loading.clear();
  }

  /** Loads the topic's per-partition highest stored offsets once per generation. */
  ensure(topic: string): Promise<void> {
    let p = this.loading.get(topic);
    if (!p) {
      const generation = this.generation;
      p = this.load(topic, generation).catch(() => {
        // Unknown stays "every message is a replay" (the full lookup); try again on the next batch.
        if (this.loading.get(topic) === p) this.loading.delete(topic);
      });
      this.loading.set(topic, p);
    }
    return p;
  }

  private async load(topic: string, generation: number): Promise<void> {
    const tables = this.tables(topic);
    if (tables.length === 0) return;
    const found = new Map<string, number>();
    for (const table of tables) {
      const rs = await this.client.query({
        query: `SELECT src_partition AS p, max(src_offset) AS o FROM ${table} WHERE src_topic = {topic:String} GROUP BY p`,
        query_params: { topic },
        format: 'JSONEachRow',
      });
      for (const r of await rs.json<{ p: number; o: string | number }>()) {
        const key = `${topic}|${r.p}`;
        found.set(key, Math.max(found.get(key) ?? -1, Number(r.o)));
      }
    }
    if (generation !== this.generation) return; // a rejoin started meanwhile: this answer may be stale
    for (const [k, o] of found) if (this.highest.get(k) !== Number.POSITIVE_INFINITY) this.highest.set(k, o);
    this.version++;
    this.highest.set(`${topic}|*`, 1); // marks the topic as loaded: partitions without rows have none stored
  }

  /** A round of this partition failed: until the next join, its messages are all treated as replays. */
  forget(topic: string, partition: number): void {
    this.highest.set(`${topic}|${partition}`, Number.POSITIVE_INFINITY);
    this.version++;
  }

  mayBeReplay(src: SourceRef): boolean {
    // Called for every event of a lookup: the last partition's answer is kept (events come in runs).
    if (this.last && this.last.topic === src.topic && this.last.partition === src.partition && this.last.generation === this.generation && this.last.version === this.version) {
      return Number(src.offset) <= this.last.hi;
    }
    if (!this.highest.has(`${src.topic}|*`)) return true;
    const hi = this.highest.get(`${src.topic}|${src.partition}`) ?? -1;
    this.last = { topic: src.topic, partition: src.partition, hi, generation: this.generation, version: this.version };
    return Number(src.offset) <= hi;
  }

  private last: { topic: string; partition: number; hi: number; generation: number; version: number } | undefined;
  /** Bumped whenever `highest` changes within a generation (a load or forget()). */
  private version = 0;
}
