// The ingester's own memory in server mode: `oversight ingest` with CLICKHOUSE_URL pointing at a
// discarding ClickHouse HTTP sink (bench/lib/discard-sink.ts), reading the same kind of usage events
// from a real Kafka broker as the Kafka section. chDB is never loaded in server mode, so this is what
// an ingester next to a ClickHouse server costs; the sink makes the ClickHouse side free, so the rate
// is the ingester's ceiling, not a server's. The embedded process's peak and idle RSS are rows of the
// Kafka section (bench/sections/kafka.ts), which runs the same child against chDB.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { TOPICS } from '../../contracts/events.ts';
import type { SectionContext } from '../section.ts';
import type { BenchRow } from '../lib/report.ts';
import { notAvailable } from '../lib/report.ts';
import { progress, sleep } from '../lib/stats.ts';
import { readMemory, sampleSteadyMemory, watchPeakMemory, type MemorySample, type PeakMemory } from '../lib/proc-memory.ts';
import { describeChdbBounds } from '../../clickhouse/chdb-memory.ts';
import { startDiscardSink } from '../lib/discard-sink.ts';
import { KAFKA_SCRIPT, ended, produce, startIngester, stopChild, usageMessages, watchIngester, type Broker } from './kafka.ts';

const SECTION = 'Memory';
const SERVER_RSS_TARGET_MB = 200;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVING_CHILD = join(ROOT, 'bench', 'sections', 'memory-serving-child.ts');

/**
 * An embedded process (memory-serving-child.ts) that builds a dashboard dataset, then answers every
 * page's queries, then idles. Its peak-RSS mark is reset between phases (writing 5 to
 * /proc/<pid>/clear_refs), so the serving peak is not the build's.
 */
async function measureServing(ctx: SectionContext): Promise<{ rows: BenchRow[]; details: unknown }> {
  const outputs = ctx.sizes.memoryServingOutputs;
  const measure = (what: string) => `embedded process ${what} (dashboard pages @ ${outputs.toLocaleString()} outputs)`;
  const child = spawn(process.execPath, ['--import', 'tsx', SERVING_CHILD, join(ctx.workDir, 'serving-db'), String(outputs), '120', '3'], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (d: string) => errors.push(d.slice(-500)));
  const phases = new Map<string, { at: number; memory: PeakMemory; engine: unknown }>();
  let watch = watchPeakMemory(child.pid!);
  const t0 = performance.now();
  try {
    for await (const line of createInterface({ input: child.stdout! })) {
      const msg = JSON.parse(line) as { phase: string; engine: unknown; page_loads?: number; ms?: number };
      phases.set(msg.phase, { at: performance.now() - t0, memory: watch.stop(), engine: msg });
      writeFileSync(`/proc/${child.pid}/clear_refs`, '5'); // VmHWM := VmRSS: the next phase's peak is its own
      watch = watchPeakMemory(child.pid!);
      if (msg.phase === 'served') break;
    }
    const built = phases.get('built');
    const served = phases.get('served');
    if (!built || !served) throw new Error(`serving child stopped early: ${errors.join('').split('\n').filter(Boolean).slice(-2).join(' | ')}`);
    watch.stop();
    const idle = await sampleSteadyMemory(child.pid!, ctx.sizes.idleSeconds * 1000);
    const bounds = describeChdbBounds(ctx.env);
    const rows: BenchRow[] = [
      {
        section: SECTION,
        measure: measure('peak RSS while serving'),
        value: served.memory.peakMb,
        unit: 'MB',
        note:
          `every page's queries (last 7, 30, 90 days) 3 times; anonymous ${served.memory.peakAnonMb.toFixed(0)} MB, mapped files ${served.memory.peakFileMb.toFixed(0)} MB; ` +
          `peak while building the data in the same process ${built.memory.peakMb.toFixed(0)} MB; chDB bounds: ${bounds}`,
      },
    ];
    if (idle) {
      rows.push({
        section: SECTION,
        measure: measure('idle RSS after serving'),
        value: idle.steadyMb,
        unit: 'MB',
        note: `mean VmRSS over the last half of ${ctx.sizes.idleSeconds} s; anonymous ${idle.anonMb.toFixed(0)} MB, mapped files ${idle.fileMb.toFixed(0)} MB`,
      });
    }
    return { rows, details: { outputs, phases: Object.fromEntries(phases), idle } };
  } finally {
    watch.stop();
    await stopChild(child, 20_000);
  }
}

/**
 * What `oversight ingest` holds before any event arrives: started on the empty topics (before the
 * bench produces), sampled 3 s after it logs that it is consuming, then stopped.
 */
async function startupFloor(ctx: SectionContext, brokers: string, env: Record<string, string>): Promise<MemorySample> {
  const ingester = startIngester(ctx, brokers, `bench-floor-${Date.now()}`, env);
  try {
    const t0 = Date.now();
    while (!ingester.log.some((l) => /\bconsuming\b/.test(l))) {
      if (ended(ingester.child) || Date.now() - t0 > 60_000) throw new Error(`the ingester did not start: ${ingester.log.slice(-2).join(' | ')}`);
      await sleep(200);
    }
    await sleep(3000);
    const m = readMemory(ingester.child.pid!);
    if (!m) throw new Error('the ingester exited before it was sampled');
    return m;
  } finally {
    await stopChild(ingester.child, 10_000);
  }
}

/**
 * The settings of the server-mode runs: Node's and the ingester's defaults, and what the separate
 * ingester's unit ships with (deploy/systemd/oversight-ingest.service; a test keeps the two equal): a 2 MB
 * semi-space (young generation) collected more often, old space capped at 96 MB, and half the default
 * in-flight window (in server mode the main thread sets the pace, so 4 MiB cost no rate in the runs
 * of 2026-12-06 and took 10–14 MB off the peak; docs/CAPACITY.md §7). Passed to the child only.
 */
const INGESTER_HEAP_FLAGS = '--max-semi-space-size=2 --max-old-space-size=96';
export const INGESTER_UNIT_ENV = { NODE_OPTIONS: INGESTER_HEAP_FLAGS, INGEST_MAX_IN_FLIGHT_BYTES: String(4 << 20) };
const SERVER_HEAPS: { key: string; label: string; env: Record<string, string> }[] = [
  { key: 'default_heap', label: "Node's default heap", env: { NODE_OPTIONS: '' } },
  { key: 'sized_heap', label: `${INGESTER_HEAP_FLAGS}, INGEST_MAX_IN_FLIGHT_BYTES=${INGESTER_UNIT_ENV.INGEST_MAX_IN_FLIGHT_BYTES}`, env: INGESTER_UNIT_ENV },
];

const serverMeasures = (heap: string) => ({
  peak: `server-mode ingester peak RSS (→ discarding HTTP sink; ${heap})`,
  idle: `server-mode ingester idle RSS after ingesting (${heap})`,
  rate: `server-mode ingester rate, ClickHouse side discarded (${heap})`,
});

/** One `oversight ingest` in server mode, against its own sink, over every message on the topic. */
async function serverModeRun(ctx: SectionContext, brokers: string, admin: Admin, env: Record<string, string>): Promise<{ details: unknown; rows(heap: string): BenchRow[] }> {
  const n = ctx.sizes.kafkaEvents;
  const sink = await startDiscardSink();
  const groupId = `bench-memory-${Date.now()}`;
  // OVERSIGHT_DATA_DIR is set only so that a stray embedded open would not touch ./data; in server
  // mode the ingester never opens it.
  const ingester = startIngester(ctx, brokers, groupId, { CLICKHOUSE_URL: sink.url, OVERSIGHT_DATA_DIR: join(ctx.workDir, 'server-mode-unused'), ...env });
  try {
    const timeoutMs = Math.max(120_000, (n / 5000) * 1000);
    const { first, end, done, peakJsMb, memory } = await watchIngester(ingester, admin, groupId, n, timeoutMs);
    if (!first || !end) throw new Error(`server-mode ingester committed ${done} of ${n} messages in ${timeoutMs / 1000} s: ${ingester.log.slice(-3).join(' | ')}`);
    const idle = await sampleSteadyMemory(ingester.child.pid!, ctx.sizes.idleSeconds * 1000);
    const exit = await stopChild(ingester.child, 30_000);
    const stored = Object.entries(sink.stats.inserts)
      .filter(([table]) => table !== 'schema_migrations')
      .reduce((s, [, t]) => s + t.rows, 0);
    const rate = (end.done - first.done) / ((end.at - first.at) / 1000);
    const label = Object.entries(env).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join(' ') || 'default heap';
    progress(`memory: server-mode ingester (${label}) ${Math.round(rate).toLocaleString()} events/s, peak RSS ${memory.peakMb.toFixed(0)} MB, idle ${idle?.steadyMb.toFixed(0) ?? '?'} MB`);
    const sent = `${stored.toLocaleString()} rows reached the sink for ${n.toLocaleString()} events`;
    const window = end.done - first.done;
    return {
      details: { env, exit, memory, idle, peak_js_mb: peakJsMb, rate, sink: sink.stats, log_tail: ingester.log.slice(-5) },
      rows: (heap) => {
        const m = serverMeasures(heap);
        const out: BenchRow[] = [
          {
            section: SECTION,
            measure: m.peak,
            value: memory.peakMb,
            unit: 'MB',
            target: `< ${SERVER_RSS_TARGET_MB} MB`,
            pass: memory.peakMb < SERVER_RSS_TARGET_MB,
            note:
              `VmHWM of the child; anonymous peak ${memory.peakAnonMb.toFixed(0)} MB, mapped files ${memory.peakFileMb.toFixed(0)} MB` +
              (peakJsMb !== null ? `, JavaScript heap + buffers peak ${peakJsMb.toFixed(0)} MB` : '') +
              `; chDB not loaded; ${sent}; INGEST_BATCH_SIZE=${ctx.env.INGEST_BATCH_SIZE}`,
          },
        ];
        if (idle) {
          out.push({
            section: SECTION,
            measure: m.idle,
            value: idle.steadyMb,
            unit: 'MB',
            note: `mean VmRSS over the last half of ${ctx.sizes.idleSeconds} s after the last commit; ${idle.firstMb.toFixed(0)} MB right after it`,
          });
        }
        out.push({
          section: SECTION,
          measure: m.rate,
          value: rate,
          unit: 'events/s',
          note: `between the first and last commit (${window.toLocaleString()} events); the sink only counts the rows, so this is the ingester's ceiling (fetch, decode, validate, serialise, HTTP), not a server's insert rate`,
        });
        return out;
      },
    };
  } finally {
    await stopChild(ingester.child, 10_000);
    await sink.close();
  }
}

export async function runMemoryBench(ctx: SectionContext): Promise<{ rows: BenchRow[]; details: unknown }> {
  const n = ctx.sizes.kafkaEvents;
  const unavailable = (why: string) =>
    SERVER_HEAPS.flatMap((h) => [
      notAvailable(SECTION, serverMeasures(h.label).peak, 'MB', why, `< ${SERVER_RSS_TARGET_MB} MB`),
      notAvailable(SECTION, serverMeasures(h.label).rate, 'events/s', why),
    ]);
  const serving = await measureServing(ctx).catch((err: Error) => {
    progress(`memory: serving child failed: ${err.stack}`);
    return { rows: [notAvailable(SECTION, 'embedded process peak RSS while serving dashboard pages', 'MB', err.message.split('\n')[0])], details: { error: err.message } };
  });
  let broker: Broker;
  try {
    const { startBroker } = (await import(KAFKA_SCRIPT)) as { startBroker(o: object): Promise<Broker> };
    progress('memory: starting a Kafka broker');
    broker = await startBroker({ dir: join(ctx.workDir, 'kafka-memory'), log: progress });
  } catch (err) {
    const why = `no Kafka broker (${(err as Error).message.split('\n')[0]})`;
    return { rows: [...serving.rows, ...unavailable(why)], details: { serving: serving.details, error: why } };
  }
  const kafka = new Kafka({ clientId: 'oversight-bench-memory', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const rows: BenchRow[] = [...serving.rows];
  const details: Record<string, unknown> = { serving: serving.details, events: n };
  try {
    await admin.connect();
    await admin.createTopics({
      topics: [TOPICS.usage, TOPICS.outputs, TOPICS.feedback, TOPICS.dlq].map((topic) => ({ topic, numPartitions: ctx.sizes.kafkaPartitions, replicationFactor: 1 })),
      waitForLeaders: true,
    });
    const floorSink = await startDiscardSink();
    const floors = {
      server: await startupFloor(ctx, broker.brokers, { CLICKHOUSE_URL: floorSink.url, OVERSIGHT_DATA_DIR: join(ctx.workDir, 'server-mode-unused') }).finally(() => floorSink.close()),
      embedded: await startupFloor(ctx, broker.brokers, { OVERSIGHT_DATA_DIR: join(ctx.workDir, 'floor-db') }),
    };
    details.startup = floors;
    for (const [mode, m] of Object.entries(floors)) {
      rows.push({
        section: SECTION,
        measure: `${mode === 'server' ? 'server-mode' : 'embedded'} ingester RSS before any event`,
        value: m.rssKb / 1024,
        unit: 'MB',
        note:
          `started on empty topics, sampled 3 s after it began consuming: anonymous ${(m.anonKb / 1024).toFixed(0)} MB, mapped files ${(m.fileKb / 1024).toFixed(0)} MB` +
          (mode === 'embedded' ? ' (chDB library and node); the floor under the idle target' : ' (node)'),
      });
    }
    const messages = await usageMessages(n, ctx.sizes.kafkaSample);
    await produce(kafka, TOPICS.usage, messages);
    messages.length = 0;

    for (const heap of SERVER_HEAPS) {
      const run = await serverModeRun(ctx, broker.brokers, admin, heap.env);
      details[`server_mode_${heap.key}`] = run.details;
      rows.push(...run.rows(heap.label));
    }
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    progress(`memory: failed: ${(err as Error).stack}`);
    rows.push(...unavailable(why));
    details.error = why;
  } finally {
    await admin.disconnect().catch(() => {});
    await broker.stop();
  }
  return { rows, details };
}
