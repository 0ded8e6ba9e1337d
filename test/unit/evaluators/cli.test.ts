// `oversight evaluate` as the scorer runs it: a real child process, NDJSON in and out.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'oversight.mjs');
const event = (id: string, response: string, model = 'model-a') =>
  JSON.stringify({ output_id: id, request_id: 'r', occurred_at: '2026-07-01T00:00:00Z', ministry: 'digital', app: 'chat', model, user_id: 'u', language: 'ja', confidentiality_level: 2, prompt: 'q', response, sources: [], extra_field: { kept: true } });

function cli(args: string[], input?: string) {
  return spawnSync(process.execPath, [BIN, 'evaluate', ...args], { input, encoding: 'utf8', timeout: 60_000 });
}

describe('oversight evaluate --input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oversight-eval-cli-'));
  const file = join(dir, 'outputs.ndjson');
  writeFileSync(file, [event('a', '民法第1200条により請求します。'), '{not json', '', event('b', '本日は晴天なり。'), '{"output_id": 5}', event('c', '携帯は090-4321-8765です。', 'model-b')].join('\n') + '\n');

  it('prints flags as NDJSON, reports malformed lines with their number on stderr, exits 0', () => {
    const res = cli(['--input', file]);
    expect(res.status).toBe(0);
    const flags = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(flags.map((f) => [f.output_id, f.category])).toEqual([
      ['a', 'hallucinated_citation'],
      ['c', 'leakage'],
    ]);
    expect(res.stderr).toMatch(/line 2: invalid JSON/);
    expect(res.stderr).toMatch(/line 5: output_id is missing/);
    expect(res.stdout).not.toContain('4321-8765');
  });

  it('reads stdin with "-"', () => {
    const res = cli(['--input', '-'], event('s', '個人番号：4492 2304 5763') + '\n');
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout.trim())).toMatchObject({ output_id: 's', rule_id: 'individual_number', where: 'response' });
  });

  it('a missing file is a usage error', () => {
    const res = cli(['--input', join(dir, 'missing.ndjson')]);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/cannot read/);
  });

  it('--compare-models prints a per-model scorecard (table and --json)', () => {
    const json = cli(['--compare-models', '--json', '--input', file]);
    expect(json.status).toBe(0);
    const card = JSON.parse(json.stdout);
    expect(card.outputs).toBe(3);
    expect(card.models.map((m: { model: string }) => m.model)).toEqual(['model-a', 'model-b']);
    expect(card.models[0].per_1000_by_category.hallucinated_citation).toBe(500);
    expect(card.models[1].per_1000_by_category.leakage).toBe(1000);
    const table = cli(['--compare-models', '--input', file]);
    expect(table.stdout).toMatch(/^model\s+outputs/);
    expect(table.stdout).toContain('model-b');
  });
});
