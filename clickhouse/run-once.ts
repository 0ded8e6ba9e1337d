// Runs a scheduled job once per period across every process that shares one ClickHouse, without a
// coordinator: a claim row per (job, period) in job_claims (migration 0100) and a deterministic winner.
//
//   1. insert a claim (job, period, claimant = host:pid:random); the server stamps claimed_at;
//   2. wait settleMs, so that a claim stamped before ours (a concurrent process) is visible;
//   3. read the first claim for (job, period) by (claimed_at, claimant): every process reads the same
//      rows and so picks the same winner; only the winner runs `fn`.
// A process that starts late (after the winner's claim) always sees an earlier claim and skips. The
// guarantee is at most once: should the winner die before `fn` finishes, that period's run is missed
// (logged by the caller), never doubled. It assumes a claim becomes readable within settleMs of being
// stamped (inserts are synchronous; on a cluster the insert waits for the shard and replication lag
// stays under settleMs). Embedded mode has one process, so it holds trivially there.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './client.ts';

export const DEFAULT_SETTLE_MS = 3000;

export type RunOnceResult<T> = { ran: true; result: T; claimant: string } | { ran: false; winner: string; claimant: string };

export interface RunOnceOptions {
  /** How long to wait for concurrent claims to become visible (default DEFAULT_SETTLE_MS). */
  settleMs?: number;
  /** Names this process in the claim (default host:pid:random). */
  claimant?: string;
}

export async function claimRun(client: ClickHouseClient, job: string, period: string, opts: RunOnceOptions = {}): Promise<{ won: boolean; winner: string; claimant: string }> {
  const claimant = opts.claimant ?? `${hostname()}:${process.pid}:${randomUUID()}`;
  await client.insert({
    table: 'job_claims',
    values: [{ job, period, claimant }],
    format: 'JSONEachRow',
    // On a cluster the Distributed table would otherwise queue the row and return before it is stored.
    clickhouse_settings: { distributed_foreground_insert: 1 },
  });
  const settle = opts.settleMs ?? DEFAULT_SETTLE_MS;
  if (settle > 0) await new Promise((r) => setTimeout(r, settle));
  const [first] = await queryRows<{ claimant: string }>(
    client,
    `SELECT claimant FROM job_claims WHERE job = {job:String} AND period = {period:String}
      ORDER BY claimed_at, claimant LIMIT 1`,
    { job, period },
  );
  // Our own claim was stored: not reading it back means the settle assumption failed; at most once
  // then means not running.
  if (!first) throw new Error(`job_claims: the claim for ${job} ${period} was not readable after ${settle} ms; not running it`);
  return { won: first.claimant === claimant, winner: first.claimant, claimant };
}

/** Runs `fn` when this process wins the claim for (job, period); otherwise returns who did. */
export async function runOnce<T>(client: ClickHouseClient, job: string, period: string, fn: () => Promise<T>, opts: RunOnceOptions = {}): Promise<RunOnceResult<T>> {
  const claim = await claimRun(client, job, period, opts);
  if (!claim.won) return { ran: false, winner: claim.winner, claimant: claim.claimant };
  return { ran: true, result: await fn(), claimant: claim.claimant };
}
