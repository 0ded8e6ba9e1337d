// Helpers to run the ingester (in this process or as `node bin/oversight.mjs ingest`) and to know
// when it has consumed everything: the group's committed offsets reach the topics' high watermarks
// (offsets are committed only after ClickHouse acknowledged the rows, so this means "all stored").
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafkaClient } from './kafka.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `oversight-it-${name}-`));

export async function committedOffsets(brokers: string, groupId: string, topics: string[]): Promise<Map<string, number>> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const res = await admin.fetchOffsets({ groupId, topics });
    const out = new Map<string, number>();
    for (const t of res) for (const p of t.partitions) out.set(`${t.topic}/${p.partition}`, Number(p.offset));
    return out;
  } finally {
    await admin.disconnect();
  }
}

export async function highWatermarks(brokers: string, topics: string[]): Promise<Map<string, number>> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const out = new Map<string, number>();
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) out.set(`${topic}/${p.partition}`, Number(p.high));
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Waits until `groupId` committed every partition of `topics` up to its current end. */
export async function waitUntilConsumed(brokers: string, groupId: string, topics: string[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const [high, committed] = await Promise.all([highWatermarks(brokers, topics), committedOffsets(brokers, groupId, topics)]);
    const behind = [...high].filter(([k, h]) => h > 0 && (committed.get(k) ?? -1) < h);
    if (behind.length === 0) return;
    last = behind.map(([k, h]) => `${k} ${committed.get(k)}/${h}`).join(', ');
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`group ${groupId} did not consume everything in ${timeoutMs} ms: ${last}`);
}

export interface IngesterChild {
  proc: ChildProcess;
  output: () => string;
  metricsUrl: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node bin/oversight.mjs ingest` as a child process owning `dataDir`. */
export function spawnIngester(opts: { dataDir: string; brokers: string; group: string; prefix: string; env?: Record<string, string>; args?: string[] }): IngesterChild {
  const proc = spawn(
    process.execPath,
    ['bin/oversight.mjs', 'ingest', '--group', opts.group, '--topic-prefix', opts.prefix, '--metrics-port', '0', ...(opts.args ?? [])],
    {
      cwd: ROOT,
      env: { ...process.env, OVERSIGHT_DATA_DIR: opts.dataDir, KAFKA_BROKERS: opts.brokers, HOST: '127.0.0.1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let resolveUrl!: (u: string) => void;
  const metricsUrl = new Promise<string>((r) => (resolveUrl = r));
  const onData = (d: Buffer) => {
    out += d.toString();
    const m = /metrics on (http:\/\/\S+\/metrics)/.exec(out);
    if (m) resolveUrl(m[1]);
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return { proc, output: () => out, metricsUrl, exited };
}

/** Sum of a metric's samples in Prometheus text, optionally only samples whose labels contain `labelPart`. */
export function metricSum(text: string, name: string, labelPart = ''): number {
  let sum = 0;
  for (const l of text.split('\n')) {
    if (!l.startsWith(name)) continue;
    const rest = l.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (labelPart && !rest.includes(labelPart)) continue;
    sum += Number(l.slice(l.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function fetchMetrics(url: string): Promise<string> {
  const res = await fetch(url);
  return res.text();
}
