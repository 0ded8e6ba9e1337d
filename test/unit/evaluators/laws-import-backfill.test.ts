// `oversight laws import --backfill-since`: importing the official list re-evaluates the stored
// outputs' citations with it in the same command, so history stops saying "unverifiable" for laws
// the list now knows. Run as an operator runs it: the CLI in a process of its own on an embedded
// data directory (chDB locks it, so this test closes its own connection first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeClickHouse, getClickHouse, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { migrate } from '../../../clickhouse/migrate.ts';
import { loadEnv } from '../../../config/env.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'oversight.mjs');
const LIST = join(import.meta.dirname, 'fixtures', 'egov-lawlists-v1.xml');
let dir: string;

const open = () => getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir, CLICKHOUSE_URL: '' }));
const oversight = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, OVERSIGHT_DATA_DIR: dir, CLICKHOUSE_URL: '', CLICKHOUSE_CLUSTER: '', OVERSIGHT_LAW_CATALOG_DIR: '' },
  });

async function citationFlags(client: ClickHouseClient) {
  const rs = await client.query({
    query: `SELECT output_id, rule_id, severity, evaluator_version FROM flags FINAL WHERE evaluator = 'citations' AND is_deleted = 0 ORDER BY output_id, rule_id`,
    format: 'JSONEachRow',
  });
  return rs.json<{ output_id: string; rule_id: string; severity: string; evaluator_version: string }>();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oversight-laws-backfill-'));
  const client = await open();
  await migrate(client, { rawTextTtlDays: 400 });
  const output = (id: string, response: string, day: string) => ({
    output_id: id, request_id: `req-${id}`, occurred_at: `${day} 10:00:00.000`, ministry: 'mlit', app: 'legal_research', model: 'm',
    user_id: 'u1', language: 'ja', confidentiality_level: 2, prompt: '根拠条文は？', response, sources: '[]', raw: '{}',
    src_topic: 'genai.outputs.v1', src_partition: 0, src_offset: 0, ingested_at: `${day} 10:00:01.000`,
  });
  await client.insert({
    table: 'outputs',
    values: [
      // 道路運送車両法 is 昭和二十六年法律第百八十五号: the seed catalog does not know it, the list does.
      output('o-wrong', '道路運送車両法（昭和26年法律第186号）第4条により登録が必要です。', '2026-07-01'),
      output('o-right', '道路運送車両法（昭和26年法律第185号）第4条により登録が必要です。', '2026-07-01'),
      output('o-old', '道路運送車両法（昭和26年法律第186号）第4条により登録が必要です。', '2026-03-01'),
    ],
    format: 'JSONEachRow',
  });
  await closeClickHouse();
  // The runner's first pass, with the seed catalog (nothing imported yet).
  const first = oversight('evaluate', '--run');
  expect(first.status, first.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

describe('oversight laws import --backfill-since', () => {
  it('refuses a bad date or an option it cannot honour before storing anything', () => {
    const bad = oversight('laws', 'import', LIST, '--backfill-since', 'last tuesday');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--backfill-since must be a date/);
    const dry = oversight('laws', 'import', LIST, '--backfill-since', '2026-06-01', '--dry-run');
    expect(dry.status).toBe(2);
    expect(dry.stderr).toMatch(/cannot be combined with --catalog, --out or --dry-run/);
    const stored = join(dir, 'law-catalog');
    expect(existsSync(stored) ? readdirSync(stored) : []).toEqual([]);
  });

  it('stores the list and re-evaluates the citations since the date with it', async () => {
    const client0 = await open();
    const before = await citationFlags(client0);
    await closeClickHouse();
    // With the seed only, the wrong number of a law it does not know is not a finding.
    expect(before.filter((f) => f.rule_id === 'law_number_mismatch')).toEqual([]);

    const res = oversight('laws', 'import', LIST, '--backfill-since', '2026-06-01');
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/Re-evaluating citations since 2026-06-01T00:00:00.000Z/);

    const client = await open();
    const after = await citationFlags(client);
    const version = after.find((f) => f.output_id === 'o-wrong')?.evaluator_version;
    expect(version).toMatch(/\+catalog\.[0-9a-f]{12}$/);
    expect(after.filter((f) => f.rule_id === 'law_number_mismatch').map((f) => f.output_id)).toEqual(['o-wrong']);
    // The correct citation has no finding; the output before the date was not re-evaluated.
    expect(after.filter((f) => f.output_id === 'o-right' && f.severity !== 'info')).toEqual([]);
    expect(after.filter((f) => f.output_id === 'o-old').every((f) => f.evaluator_version !== version)).toBe(true);
    await closeClickHouse();
  }, 300_000);
});
