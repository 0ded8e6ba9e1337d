// The fence between pipelined inserts and consumer-group rebalances.
//
// The pipelined ingester (kafka-ingester.ts) returns from eachBatch before its events are stored, so a
// rebalance could otherwise hand a partition to another member while this member's insert of it is
// still running: both would look up "already stored?" before either insert landed, and both would
// insert (the rollups would count the events twice). Kafka's (eager) group protocol gives the fence:
// no member receives partitions of the new generation until every member of the old one has sent its
// JoinGroup (or was dropped after the rebalance timeout). So a member that finishes, or fails, all its
// in-flight work *before* it rejoins can never overlap with the next owner of its partitions; this is
// the same contract as the Java client's onPartitionsRevoked, which commits before the JoinGroup.
//
// KafkaJS 2.x has no rebalance listener (its REBALANCING event is emitted and not awaited), and every
// path that rejoins (a rebalance seen by a heartbeat or commit, a restart after a crash, stale
// metadata) goes through ConsumerGroup#joinAndSync. This module wraps that one method so it first
// awaits the hooks registered for the group. Reaching into a library's internal class is the price of
// the missing API; it is checked at load (a KafkaJS without the method fails the ingester's start,
// never silently drops the fence) and covered by the rebalance integration tests.
import { createRequire } from 'node:module';

type Hook = () => Promise<void>;
const hooks = new Map<string, Set<Hook>>();

interface ConsumerGroupLike {
  groupId: string;
  memberId: string | null;
  generationId: number;
  coordinator?: { heartbeat(req: { groupId: string; memberId: string; groupGenerationId: number }): Promise<unknown> };
  joinAndSync(...args: unknown[]): Promise<unknown>;
}

const KEEPALIVE_MS = 3000;

/**
 * While the hooks run, keep the member's session alive: the coordinator answers a heartbeat during a
 * rebalance with REBALANCE_IN_PROGRESS but still counts it, so a member finishing its inserts is not
 * expelled after the session timeout (which would hand its partitions over mid-insert). The wait is
 * still bounded by the group's rebalance timeout, which is why in-flight data is bounded.
 */
async function keepingAlive(group: ConsumerGroupLike, work: Promise<unknown>): Promise<void> {
  let done = false;
  const finished = work.finally(() => (done = true));
  while (!done) {
    await Promise.race([finished, new Promise((r) => setTimeout(r, KEEPALIVE_MS).unref())]);
    if (!done && group.memberId && group.coordinator) {
      await group.coordinator.heartbeat({ groupId: group.groupId, memberId: group.memberId, groupGenerationId: group.generationId }).catch(() => {});
    }
  }
}

let installed = false;
function install(): void {
  if (installed) return;
  const require = createRequire(import.meta.url);
  // The same module instance kafkajs itself loads (one resolved path, one require cache entry).
  const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as { prototype: ConsumerGroupLike };
  const original = ConsumerGroup.prototype.joinAndSync;
  if (typeof original !== 'function') {
    throw new Error('this KafkaJS version has no ConsumerGroup#joinAndSync; the ingester cannot fence its inserts against rebalances (pin kafkajs 2.2.x)');
  }
  ConsumerGroup.prototype.joinAndSync = async function (this: ConsumerGroupLike, ...args: unknown[]) {
    const registered = hooks.get(this.groupId);
    // All hooks of the group: two members of one group in one process (tests) only wait a little longer.
    if (registered?.size) await keepingAlive(this, Promise.all([...registered].map((h) => h().catch(() => {}))));
    return original.apply(this, args);
  };
  installed = true;
}

/**
 * Runs `beforeRejoin` (and waits for it) every time a consumer of `groupId` in this process is about to
 * (re)join the group. Returns the function that removes the hook.
 */
export function fenceRejoins(groupId: string, beforeRejoin: Hook): () => void {
  install();
  let set = hooks.get(groupId);
  if (!set) hooks.set(groupId, (set = new Set()));
  set.add(beforeRejoin);
  return () => {
    set.delete(beforeRejoin);
    if (set.size === 0 && hooks.get(groupId) === set) hooks.delete(groupId);
  };
}
