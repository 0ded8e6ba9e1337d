// Kafka ingestion on a real broker (scripts/kafka.mjs): simulated usage events are produced once, then
// read twice from the same topic — by a bare KafkaJS consume loop (the ceiling: fetch and count, no
// work) and by `oversight ingest` in a child process with its own chDB directory (validation, dedup,
// batched inserts, commits after the insert). The ingester is done when its group's committed offsets
// cover every message: a commit happens only after ClickHouse acknowledged the rows. Its peak RSS is
// watched throughout and its idle RSS sampled after the last commit (docs/CAPACITY.md §7). The broker,
// producer and child helpers are exported for the memory section (server mode against a sink).
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, CompressionTypes, type Admin } from 'kafkajs';
import { TOPICS } from '../../contracts/events.ts';
import type { SectionContext } from '../section.ts';
import type { BenchRow } from '../lib/report.ts';
import { notAvailable } from '../lib/report.ts';
import { progress, sleep } from '../lib/stats.ts';
import { simulatedEvents } from '../lib/sim-events.ts';
import { sampleSteadyMemory, watchPeakMemory } from '../lib/proc-memory.ts';
import { describeChdbBounds } from '../../clickhouse/chdb-memory.ts';
import { newestProfile, summarizeProfile } from '../lib/cpu-profile.ts';

const SECTION = 'Ingestion';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KAFKA_SCRIPT = join(ROOT, 'scripts', 'kafka.mjs');
const RATE_TARGET = 50_000;
const RATIO_TARGET = 0.7;
const RSS_TARGET_MB = 400;
const IDLE_RSS_TARGET_MB = 300;
/**
 * The same fetch settings as the ingester's consumer (pipelines/kafka-ingester.ts, with this run's
 * INGEST_BATCH_SIZE / INGEST_BATCH_MS), so the bare loop differs only by the work done per message.
 */
function fetchSettings(env: SectionContext['env']) {
  const cap = env.INGEST_MAX_IN_FLIGHT_BYTES;
  return {
    minBytes: Math.min(env.INGEST_BATCH_SIZE * 100, 4 << 20),
    maxWaitTimeInMs: env.INGEST_BATCH_MS,
    maxBytesPerPartition: Math.min(1 << 20, cap),
    maxBytes: Math.min(16 << 20, cap),
  };
}

export interface Broker {
  brokers: string;
  stop(): Promise<void>;
}

/**
 * Simulated usage events, made unique: the simulator's sample is repeated with a suffix on the ids
 * when more events are wanted than one simulation pass is worth spending time on.
 */
export async function usageMessages(n: number, sample: number): Promise<{ key: string; value: Buffer }[]> {
  const sampleSize = Math.min(n, sample);
  const { usage } = await simulatedEvents({ usage: sampleSize });
  const out: { key: string; value: Buffer }[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const base = usage[i % usage.length] as Record<string, unknown>;
    const copy = Math.floor(i / usage.length);
    const e = copy === 0 ? base : { ...base, event_id: `${base.event_id}-${copy}`, request_id: `${base.request_id}-${copy}` };
    out[i] = { key: String(e.user_id), value: Buffer.from(JSON.stringify(e)) };
  }
  return out;
}

export async function produce(kafka: Kafka, topic: string, messages: { key: string; value: Buffer }[]): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const t0 = performance.now();
  // About 1 MB per request (the broker's default message.max.bytes caps one partition's record batch),
  // a few requests in flight.
  const chunk = 2_500;
  const window = 6;
  for (let i = 0; i < messages.length; i += chunk * window) {
    const sends: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(messages.length, i + chunk * window); j += chunk) {
      sends.push(producer.send({ topic, acks: 1, compression: CompressionTypes.None, messages: messages.slice(j, j + chunk) }));
    }
    await Promise.all(sends);
  }
  const ms = performance.now() - t0;
  await producer.disconnect();
  return ms;
}

/** The ceiling: a KafkaJS group consumer that only counts messages. */
async function bareLoop(kafka: Kafka, topic: string, n: number, timeoutMs: number, fetch: ReturnType<typeof fetchSettings>): Promise<{ rate: number; ms: number }> {
  const consumer = kafka.consumer({ groupId: `bench-bare-${Date.now()}`, ...fetch });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  let first = 0;
  let last = 0;
  const done = new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`bare loop read ${count} of ${n} in ${timeoutMs / 1000} s`)), timeoutMs);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (!first) first = performance.now();
        count += batch.messages.length;
        if (count >= n) {
          last = performance.now();
          clearTimeout(timer);
          res();
        }
      },
    });
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  // Messages of the first batch arrived at `first`; the rate covers the ones after it.
  return { rate: n / ((last - first) / 1000), ms: last - first };
}

export async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  const res = await admin.fetchOffsets({ groupId, topics: [topic] });
  return res.flatMap((t) => t.partitions).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
}

export function startIngester(ctx: SectionContext, brokers: string, groupId: string, envOverrides: Record<string, string> = {}): { child: ChildProcess; log: string[] } {
  const log: string[] = [];
  const nodeFlags = ctx.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`] : [];
  const child = spawn(process.execPath, [...nodeFlags, join(ROOT, 'bin', 'oversight.mjs'), 'ingest', '--group', groupId, '--metrics-port', '0'], {
    cwd: ROOT,
    env: {
      ...process.env,
      KAFKA_BROKERS: brokers,
      OVERSIGHT_DATA_DIR: join(ctx.workDir, 'ingester-db'),
      CLICKHOUSE_URL: '',
      CLICKHOUSE_CLUSTER: '',
      ...envOverrides,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    for (const line of d.split('\n').filter(Boolean)) {
      log.push(line);
      if (log.length > 200) log.shift();
    }
  });
  return { child, log };
}

/** The ingester child's /metrics text (its port is in the child's "metrics on …" log line), or null. */
async function ingesterMetrics(log: string[]): Promise<string | null> {
  const port = log.map((l) => /metrics on http:\/\/[^\s]*:(\d+)\/metrics/.exec(l)?.[1]).find(Boolean);
  if (!port) return null;
  try {
    return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  } catch {
    return null;
  }
}

/** The ingester's own timing histograms (dedup lookup, insert, whole batch), scraped from its /metrics. */
async function ingesterTimings(log: string[]): Promise<Record<string, { seconds: number; count: number }> | null> {
  const text = await ingesterMetrics(log);
  if (text === null) return null;
  const out: Record<string, { seconds: number; count: number }> = {};
  for (const name of ['oversight_ingest_dedup_lookup_seconds', 'oversight_ingest_insert_seconds', 'oversight_ingest_batch_seconds']) {
    const sum = [...text.matchAll(new RegExp(`^${name}_sum(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
    const count = [...text.matchAll(new RegExp(`^${name}_count(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
    out[name.replace(/^oversight_ingest_|_seconds$/g, '')] = { seconds: Math.round(sum * 100) / 100, count };
  }
  // How often the pipelined ingester stopped fetching at INGEST_MAX_IN_FLIGHT_BYTES.
  const waits = /^oversight_ingest_in_flight_waits_total ([0-9.e+-]+)$/m.exec(text);
  if (waits) out.in_flight_waits = { seconds: 0, count: Number(waits[1]) };
  return out;
}

/**
 * The ingester's JavaScript memory (V8 heap used + external buffers) from its /metrics: what the
 * process needs besides chDB, i.e. about what it would hold in server mode (CLICKHOUSE_URL).
 */
export async function ingesterJsMb(log: string[]): Promise<number | null> {
  const text = await ingesterMetrics(log);
  if (text === null) return null;
  const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  const mb = (value('oversight_nodejs_heap_size_used_bytes') + value('oversight_nodejs_external_memory_bytes')) / 2 ** 20;
  return Number.isFinite(mb) ? mb : null;
}

/** The ingester's V8 heap (committed and used) and external buffers from its /metrics, MB. */
async function ingesterJsBreakdown(log: string[]): Promise<Record<string, number> | null> {
  const text = await ingesterMetrics(log);
  if (text === null) return null;
  const out: Record<string, number> = {};
  for (const name of ['heap_size_total_bytes', 'heap_size_used_bytes', 'external_memory_bytes']) {
    const v = Number(new RegExp(`^oversight_nodejs_${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
    if (Number.isFinite(v)) out[name.replace(/_bytes$/, '')] = Math.round(v / 2 ** 20);
  }
  return out;
}

/** Whether the child has ended, by an exit code or by a signal (an OOM abort sets only signalCode). */
export const ended = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

export async function stopChild(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  // A child that already ended emits no further 'exit': waiting for one would hang the bench.
  if (ended(child)) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  clearTimeout(t);
  return code;
}

export interface IngesterRun {
  tStart: number;
  /** The first and the last commit seen (the rate is measured between them); null if none came in time. */
  first: { at: number; done: number } | null;
  end: { at: number; done: number } | null;
  done: number;
  peakJsMb: number | null;
  memory: ReturnType<ReturnType<typeof watchPeakMemory>['stop']>;
}

/** Polls the group's committed offset until all `n` usage events are in (or the timeout), watching the child's memory. */
export async function watchIngester(ingester: { child: ChildProcess; log: string[] }, admin: Admin, groupId: string, n: number, timeoutMs: number): Promise<IngesterRun> {
  const mem = watchPeakMemory(ingester.child.pid!);
  const tStart = performance.now();
  let first: IngesterRun['first'] = null;
  let end: IngesterRun['end'] = null;
  let done = 0;
  let polls = 0;
  let peakJsMb: number | null = null;
  while (performance.now() - tStart < timeoutMs) {
    if (polls++ % 5 === 0) {
      const js = await ingesterJsMb(ingester.log);
      if (js !== null) peakJsMb = Math.max(peakJsMb ?? 0, js);
    }
    if (ended(ingester.child)) {
      mem.stop();
      throw new Error(`oversight ingest exited with ${ingester.child.exitCode ?? ingester.child.signalCode}: ${ingester.log.slice(-3).join(' | ')}`);
    }
    done = await committed(admin, groupId, TOPICS.usage).catch(() => done);
    const at = performance.now();
    if (done > 0 && !first) first = { at, done };
    if (done >= n) {
      end = { at, done };
      break;
    }
    await sleep(100);
  }
  return { tStart, first, end, done, peakJsMb, memory: mem.stop() };
}

export async function runKafkaBench(ctx: SectionContext): Promise<{ rows: BenchRow[]; details: unknown }> {
  const n = ctx.sizes.kafkaEvents;
  const partitions = ctx.sizes.kafkaPartitions;
  const rateMeasure = 'Kafka → validation → chDB (usage events)';
  const rssMeasure = 'consumer peak RSS (oversight ingest child)';
  const idleMeasure = 'consumer idle RSS after ingesting (oversight ingest child)';
  let broker: Broker;
  try {
    const { startBroker } = (await import(KAFKA_SCRIPT)) as { startBroker(o: object): Promise<Broker> };
    progress('kafka: starting a Kafka broker');
    broker = await startBroker({ dir: join(ctx.workDir, 'kafka'), log: progress });
  } catch (err) {
    const why = `no Kafka broker (${(err as Error).message.split('\n')[0]})`;
    return {
      rows: [
        notAvailable(SECTION, rateMeasure, 'events/s', why, `>= ${RATE_TARGET.toLocaleString()}/s, >= ${RATIO_TARGET}× bare`),
        notAvailable(SECTION, rssMeasure, 'MB', why, `< ${RSS_TARGET_MB} MB`),
        notAvailable(SECTION, idleMeasure, 'MB', why, `< ${IDLE_RSS_TARGET_MB} MB`),
      ],
      details: { error: why },
    };
  }
  const kafka = new Kafka({ clientId: 'oversight-bench', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = { events: n, partitions };
  let ingester: ReturnType<typeof startIngester> | undefined;
  try {
    await admin.connect();
    await admin.createTopics({
      topics: [TOPICS.usage, TOPICS.outputs, TOPICS.feedback, TOPICS.dlq].map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      waitForLeaders: true,
    });
    progress(`kafka: simulating ${n.toLocaleString()} usage events`);
    const messages = await usageMessages(n, ctx.sizes.kafkaSample);
    const bytes = messages.reduce((s, m) => s + m.value.length, 0);
    const produceMs = await produce(kafka, TOPICS.usage, messages);
    messages.length = 0;
    details.bytes = bytes;
    details.produce_ms = produceMs;
    progress(`kafka: produced ${n.toLocaleString()} events (${(bytes / 2 ** 20).toFixed(0)} MB) in ${(produceMs / 1000).toFixed(1)} s`);

    const timeoutMs = Math.max(120_000, (n / 5000) * 1000);
    const bare = await bareLoop(kafka, TOPICS.usage, n, timeoutMs, fetchSettings(ctx.env));
    details.bare = bare;
    progress(`kafka: bare KafkaJS loop ${Math.round(bare.rate).toLocaleString()} events/s`);

    const groupId = `bench-ingest-${Date.now()}`;
    ingester = startIngester(ctx, broker.brokers, groupId);
    const { tStart, first, end, done, peakJsMb, memory } = await watchIngester(ingester, admin, groupId, n, timeoutMs);
    const timings = await ingesterTimings(ingester.log);
    // Idle: the same process once the last commit is in and nothing more arrives (fetches keep polling).
    const idle = end ? await sampleSteadyMemory(ingester.child.pid!, ctx.sizes.idleSeconds * 1000) : null;
    const idleJs = idle ? await ingesterJsBreakdown(ingester.log) : null;
    const peakMb = memory.peakMb;
    const exit = await stopChild(ingester.child, 30_000);
    const profile = ctx.profileDir ? newestProfile(ctx.profileDir) : null;
    if (profile) details.ingester_profile = { file: profile, hot: summarizeProfile(profile, ROOT) };
    details.ingester = { exit, memory, idle, idle_js_mb: idleJs, peak_js_mb: peakJsMb, timings, startup_to_first_commit_ms: first ? first.at - tStart : null, log_tail: ingester.log.slice(-5) };
    if (!first || !end) throw new Error(`ingester committed ${done} of ${n} messages in ${timeoutMs / 1000} s: ${ingester.log.slice(-3).join(' | ')}`);
    const rate = (end.done - first.done) / ((end.at - first.at) / 1000);
    const ratio = rate / bare.rate;
    details.ingest = { rate, measured_events: end.done - first.done, ms: end.at - first.at };
    progress(`kafka: ingester ${Math.round(rate).toLocaleString()} events/s (${ratio.toFixed(2)}× bare), peak RSS ${peakMb.toFixed(0)} MB`);
    rows.push({
      section: SECTION,
      measure: rateMeasure,
      value: rate,
      unit: 'events/s',
      ratio,
      ratioOf: 'of bare KafkaJS loop',
      target: `>= ${RATE_TARGET.toLocaleString()}/s, >= ${RATIO_TARGET}× bare`,
      pass: rate >= RATE_TARGET && ratio >= RATIO_TARGET,
      note:
        `${n.toLocaleString()} simulated events, ${partitions} partitions, ${(bytes / n).toFixed(0)} B/event; bare loop ${Math.round(bare.rate).toLocaleString()}/s; ` +
        `rate between first and last commit (${(end.done - first.done).toLocaleString()} events)` +
        (timings
          ? `; ingester time: insert ${timings.insert?.seconds} s, dedup lookup ${timings.dedup_lookup?.seconds} s of batches ${timings.batch?.seconds} s ` +
            '(a lookup overlaps the previous insert, so the two add up to more than the batches; embedded chDB runs one statement at a time per connection, so a lookup time includes waiting for that insert)'
          : '') +
        `; pipelined (fetch and validation overlap the insert), INGEST_BATCH_SIZE=${ctx.env.INGEST_BATCH_SIZE}, INGEST_MAX_IN_FLIGHT_BYTES=${ctx.env.INGEST_MAX_IN_FLIGHT_BYTES}` +
        (timings?.in_flight_waits ? ` (fetching waited at the limit ${timings.in_flight_waits.count} times)` : ''),
    });
    rows.push({
      section: SECTION,
      measure: rssMeasure,
      value: peakMb,
      unit: 'MB',
      target: `< ${RSS_TARGET_MB} MB`,
      pass: peakMb < RSS_TARGET_MB,
      note:
        `VmHWM of /proc/<pid>/status, embedded mode (chDB in the same process); of it: anonymous (heap, buffers) peak ` +
        `${memory.peakAnonMb.toFixed(0)} MB, mapped files (chDB library pages) peak ${memory.peakFileMb.toFixed(0)} MB` +
        (peakJsMb !== null ? `; JavaScript heap + buffers peak ${peakJsMb.toFixed(0)} MB (sampled every 0.5 s; the rest is chDB)` : '') +
        `; chDB bounds: ${describeChdbBounds(ctx.env)}`,
    });
    if (idle) {
      rows.push({
        section: SECTION,
        measure: idleMeasure,
        value: idle.steadyMb,
        unit: 'MB',
        target: `< ${IDLE_RSS_TARGET_MB} MB`,
        pass: idle.steadyMb < IDLE_RSS_TARGET_MB,
        note:
          `mean VmRSS over the last half of ${ctx.sizes.idleSeconds} s after the last commit (the consumer still polls the broker); ` +
          `anonymous ${idle.anonMb.toFixed(0)} MB, mapped files ${idle.fileMb.toFixed(0)} MB; RSS ${idle.firstMb.toFixed(0)} MB right after the last commit`,
      });
    }
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    progress(`kafka: failed: ${(err as Error).stack}`);
    rows.push(notAvailable(SECTION, rateMeasure, 'events/s', why, `>= ${RATE_TARGET.toLocaleString()}/s, >= ${RATIO_TARGET}× bare`));
    rows.push(notAvailable(SECTION, rssMeasure, 'MB', why, `< ${RSS_TARGET_MB} MB`));
    rows.push(notAvailable(SECTION, idleMeasure, 'MB', why, `< ${IDLE_RSS_TARGET_MB} MB`));
    details.error = why;
  } finally {
    if (ingester) await stopChild(ingester.child, 10_000);
    await admin.disconnect().catch(() => {});
    await broker.stop();
  }
  return { rows, details };
}
