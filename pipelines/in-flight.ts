// What the pipelined Kafka ingester has handed to the ingest path but not committed yet.
//
// A "round" is one partition's messages from one fetch. Rounds become durable in the order they were
// added (each ingest path flushes its batches one at a time, in order), but a round may touch several
// paths (an OTLP message feeds usage and outputs), so commits are chained per partition explicitly:
// a round's offset is committed only after it and every earlier round of its partition are durable
// and committed. When a round fails (its path was closed, or a bug threw), nothing after it in that
// partition is committed; the owner rewinds the partition (onFailure) and the events are read again.
// The bytes of uncommitted rounds are counted so the ingester can stop fetching beyond a limit.
import { metrics } from './metrics.ts';

export interface Round {
  topic: string;
  partition: number;
  /** Offset of the round's first message: where to rewind to when it fails. */
  firstOffset: string;
  bytes: number;
  /** Resolves when every event of the round is stored (or rejected to the DLQ). */
  durable: Promise<unknown>;
  /** Commits the round's last offset + 1; must not throw (a failed commit only means a replay). */
  commit: () => Promise<void>;
}

const OK: Promise<boolean> = Promise.resolve(true);

export class InFlightRounds {
  private bytesNow = 0;
  private count = 0;
  /** Per partition: resolves true when its latest round is committed, false when a round failed. */
  private readonly tails = new Map<string, Promise<boolean>>();
  /** Every round not settled yet, including those behind a failed one (their inserts still run). */
  private readonly pending = new Set<Promise<boolean>>();
  private waiters: (() => void)[] = [];

  private readonly onFailure: (round: Round, err: unknown) => void;
  constructor(onFailure: (round: Round, err: unknown) => void) {
    this.onFailure = onFailure;
  }

  get bytes(): number {
    return this.bytesNow;
  }

  get rounds(): number {
    return this.count;
  }

  add(round: Round): void {
    const key = `${round.topic}|${round.partition}`;
    this.bytesNow += round.bytes;
    this.count++;
    metrics.inFlightBytes.set(this.bytesNow);
    const prev = this.tails.get(key) ?? OK;
    const tail = prev.then(async (earlierOk) => {
      let ok = earlierOk;
      try {
        await round.durable;
      } catch (err) {
        // Only the first failing round rewinds; later rounds of the partition just stay uncommitted.
        if (earlierOk) {
          try {
            this.onFailure(round, err);
          } catch {
            // The chain must settle whatever the handler does: a rejoin waits for it.
          }
        }
        ok = false;
      }
      if (ok) await round.commit().catch(() => {});
      return ok;
    });
    this.tails.set(key, tail);
    this.pending.add(tail);
    void tail.finally(() => {
      this.pending.delete(tail);
      this.bytesNow -= round.bytes;
      this.count--;
      metrics.inFlightBytes.set(this.bytesNow);
      if (this.tails.get(key) === tail) this.tails.delete(key);
      const ready = this.waiters;
      this.waiters = [];
      for (const w of ready) w();
    });
  }

  /** Forgets a partition's failed chain once it was rewound, so its re-read rounds commit again. */
  restart(topic: string, partition: number): void {
    this.tails.delete(`${topic}|${partition}`);
  }

  /** Resolves once the uncommitted bytes are at most `limit` (at once if they are). */
  async below(limit: number): Promise<void> {
    while (this.bytesNow > limit) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Resolves when every round added so far is committed or has failed (its inserts are over). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
