// The commit discipline of the pipelined Kafka ingester: per partition, a round's offset is committed
// only after it and every earlier round are durable; a failed round stops commits of its partition
// and asks for a rewind; uncommitted bytes are counted for backpressure. Also the env variable.
import { describe, expect, it } from 'vitest';
import { InFlightRounds, type Round } from '../../../pipelines/in-flight.ts';
import { loadEnv } from '../../../config/env.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {});
  return { promise, resolve, reject };
}
const tick = () => new Promise((r) => setImmediate(r));

function round(partition: number, firstOffset: number, bytes: number, commits: string[]) {
  const d = deferred();
  const r: Round = {
    topic: 't',
    partition,
    firstOffset: String(firstOffset),
    bytes,
    durable: d.promise,
    commit: async () => void commits.push(`${partition}:${firstOffset}`),
  };
  return { r, d };
}

describe('in-flight rounds', () => {
  it('commits a partition in order even when a later round is durable first; partitions are independent', async () => {
    const commits: string[] = [];
    const rounds = new InFlightRounds(() => {});
    const a = round(0, 0, 100, commits);
    const b = round(0, 10, 100, commits);
    const c = round(1, 0, 50, commits);
    for (const x of [a, b, c]) rounds.add(x.r);
    expect(rounds.bytes).toBe(250);
    b.d.resolve();
    c.d.resolve();
    await tick();
    await tick();
    expect(commits).toEqual(['1:0']); // 0:10 waits for 0:0
    a.d.resolve();
    await rounds.settled();
    expect(commits).toEqual(['1:0', '0:0', '0:10']);
    expect(rounds.bytes).toBe(0);
    expect(rounds.rounds).toBe(0);
  });

  it('a failed round commits nothing after it in its partition, reports itself once, and waits for the rounds behind it', async () => {
    const commits: string[] = [];
    const failed: string[] = [];
    const rounds = new InFlightRounds((r) => failed.push(r.firstOffset));
    const a = round(0, 0, 10, commits);
    const b = round(0, 10, 10, commits);
    const c = round(0, 20, 10, commits);
    for (const x of [a, b, c]) rounds.add(x.r);
    a.d.resolve();
    b.d.reject(new Error('path closed'));
    let settled = false;
    const all = rounds.settled().then(() => (settled = true));
    await tick();
    await tick();
    expect(settled).toBe(false); // c's insert may still run: a rejoin must wait for it
    c.d.resolve();
    await all;
    expect(commits).toEqual(['0:0']);
    expect(failed).toEqual(['10']);
    // After the rewind the partition commits again.
    rounds.restart('t', 0);
    const d = round(0, 10, 10, commits);
    rounds.add(d.r);
    d.d.resolve();
    await rounds.settled();
    expect(commits).toEqual(['0:0', '0:10']);
  });

  it('below(limit) waits until enough rounds are committed', async () => {
    const rounds = new InFlightRounds(() => {});
    const a = round(0, 0, 600, []);
    const b = round(0, 1, 600, []);
    rounds.add(a.r);
    rounds.add(b.r);
    let released = false;
    const waiting = rounds.below(700).then(() => (released = true));
    a.d.resolve();
    await tick();
    await tick();
    expect(released).toBe(true);
    expect(rounds.bytes).toBe(600);
    b.d.resolve();
    await waiting;
    await rounds.settled();
  });
});

describe('INGEST_MAX_IN_FLIGHT_BYTES', () => {
  it('defaults to 8 MiB and must be a positive integer', () => {
    expect(loadEnv({}).INGEST_MAX_IN_FLIGHT_BYTES).toBe(8 * 1024 * 1024);
    expect(loadEnv({ INGEST_MAX_IN_FLIGHT_BYTES: '1048576' }).INGEST_MAX_IN_FLIGHT_BYTES).toBe(1_048_576);
    expect(() => loadEnv({ INGEST_MAX_IN_FLIGHT_BYTES: '0' })).toThrow(/INGEST_MAX_IN_FLIGHT_BYTES/);
    expect(() => loadEnv({ INGEST_MAX_IN_FLIGHT_BYTES: 'lots' })).toThrow(/INGEST_MAX_IN_FLIGHT_BYTES/);
  });
});
