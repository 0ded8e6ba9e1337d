// The file source: simulated NDJSON through validation, dedup and batched inserts into chDB, versus a
// plain read of the same file (read lines + JSON.parse). Also measures how ClickHouse compresses the
// simulated traffic, which docs/CAPACITY.md turns into storage per month.
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import type { SectionContext } from '../section.ts';
import type { BenchRow } from '../lib/report.ts';
import { notAvailable } from '../lib/report.ts';
import { progress, timed, withTimeout } from '../lib/stats.ts';
import { simulatedEvents } from '../lib/sim-events.ts';
import { columnStorage, tableStorage, truncateData } from '../lib/storage.ts';

const SECTION = 'Ingestion';
const STORED_TABLES = ['usage_events', 'outputs', 'feedback', 'usage_daily', 'outputs_daily', 'feedback_daily'];

async function writeNdjson(path: string, events: object[]): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  for (const e of events) {
    const line = JSON.stringify(e) + '\n';
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

/** The baseline: what reading and parsing the file costs with no validation and no database. */
async function plainRead(path: string): Promise<number> {
  let n = 0;
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line && JSON.parse(line)) n++;
  }
  return n;
}

export async function runFileSourceBench(ctx: SectionContext): Promise<{ rows: BenchRow[]; details: unknown }> {
  let fileSource: typeof import('../../pipelines/file-source.ts');
  try {
    fileSource = await import('../../pipelines/file-source.ts');
  } catch (err) {
    const why = `pipelines/file-source.ts not loadable (${(err as Error).message.split('\n')[0]})`;
    return { rows: [notAvailable(SECTION, 'file source vs plain NDJSON read', 'events/s', why)], details: { error: why } };
  }
  const want = ctx.sizes.fileEvents;
  progress(`file source: simulating ${JSON.stringify(want)}`);
  const sim = await simulatedEvents(want, (n) => progress(`file source: simulated ${n.toLocaleString()} events`));
  const files = {
    usage: join(ctx.workDir, 'genai.usage.v1-bench.ndjson'),
    outputs: join(ctx.workDir, 'genai.outputs.v1-bench.ndjson'),
    feedback: join(ctx.workDir, 'genai.feedback.v1-bench.ndjson'),
  };
  progress(`file source: writing NDJSON files`);
  const bytes = {
    usage: await writeNdjson(files.usage, sim.usage),
    outputs: await writeNdjson(files.outputs, sim.outputs),
    feedback: await writeNdjson(files.feedback, sim.feedback),
  };
  const rows: BenchRow[] = [];
  const runs: Record<string, unknown> = {};
  // Usage alone (the high-volume topic), then outputs + feedback (large text, feedback enrichment).
  const groups: { label: string; paths: string[]; count: number; bytes: number }[] = [
    { label: 'usage', paths: [files.usage], count: sim.usage.length, bytes: bytes.usage },
    { label: 'outputs + feedback', paths: [files.outputs, files.feedback], count: sim.outputs.length + sim.feedback.length, bytes: bytes.outputs + bytes.feedback },
  ];
  for (const g of groups) {
    progress(`file source: ${g.label}: plain read`);
    let plainCount = 0;
    const plain = await timed(async () => {
      for (const p of g.paths) plainCount += await plainRead(p);
    });
    progress(`file source: ${g.label}: ingestFiles`);
    const env = ctx.env;
    let read = 0;
    const limitMs = Math.max(120_000, (g.count / 1000) * 1000);
    let ingest: { ms: number; value: Awaited<ReturnType<typeof fileSource.ingestFiles>> };
    try {
      ingest = await timed(() =>
        withTimeout(fileSource.ingestFiles(ctx.client, g.paths, { env, onProgress: (p) => (read = p.read) }), limitMs, 'ingestFiles'),
      );
    } catch (err) {
      const why = `${(err as Error).message} (${read.toLocaleString()} of ${g.count.toLocaleString()} read)`;
      rows.push(notAvailable(SECTION, `file source → chDB: ${g.label}`, 'events/s', why));
      runs[g.label] = { error: why };
      continue;
    }
    const plainRate = plainCount / (plain.ms / 1000);
    const rate = ingest.value.read / (ingest.ms / 1000);
    const lost = g.count - ingest.value.inserted - ingest.value.duplicates - ingest.value.rejected;
    runs[g.label] = { events: g.count, bytes: g.bytes, plain_ms: plain.ms, ingest_ms: ingest.ms, summary: ingest.value };
    rows.push({
      section: SECTION,
      measure: `file source → chDB: ${g.label}`,
      value: rate,
      unit: 'events/s',
      ratio: rate / plainRate,
      ratioOf: 'of plain NDJSON read',
      note:
        `${g.count.toLocaleString()} simulated events, ${(g.bytes / 2 ** 20).toFixed(1)} MB; plain read+parse ${Math.round(plainRate).toLocaleString()}/s; ` +
        `inserted ${ingest.value.inserted.toLocaleString()}, rejected ${ingest.value.rejected}` + (lost !== 0 ? `; UNACCOUNTED ${lost}` : '') +
        `; INGEST_BATCH_SIZE=${env.INGEST_BATCH_SIZE}`,
    });
    progress(`file source: ${g.label}: ${Math.round(rate)} events/s (plain read ${Math.round(plainRate)}/s)`);
  }
  await ctx.client.command({ query: 'SYSTEM FLUSH LOGS' }).catch(() => {});
  const tables = await tableStorage(ctx.client, STORED_TABLES);
  const columns = await columnStorage(ctx.client, ['usage_events', 'outputs', 'feedback']);
  for (const t of tables.filter((x) => ['usage_events', 'outputs', 'feedback'].includes(x.table))) {
    rows.push({
      section: 'Storage',
      measure: `${t.table} compressed bytes/row (simulated traffic)`,
      value: t.bytes_per_row,
      unit: 'B/row',
      ratio: t.ratio,
      ratioOf: 'compression',
      note: `${t.rows.toLocaleString()} rows: ${(t.uncompressed_bytes / 2 ** 20).toFixed(1)} MB → ${(t.compressed_bytes / 2 ** 20).toFixed(1)} MB`,
    });
  }
  await truncateData(ctx.client);
  return { rows, details: { runs, storage: { tables, columns } } };
}
