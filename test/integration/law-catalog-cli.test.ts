// The official law list end to end, as an operator runs it: `oversight laws import` of the
// official-list stand-in (../shared/reference/real-laws.tsv, never copied into the product) into a fresh
// data directory, then the shared scorer drives `oversight evaluate --input` over labeled real statute
// sentences (../shared/data/real-citations.ndjson) and their corrupted copies. Each half of the set
// (split by output id) must meet the targets on its own; so must the seed catalog alone (precision).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SEED_LAW_CATALOG } from '../../contracts/law-catalog.ts';
import { buildCatalog } from '../../evaluators/catalog.ts';
import { createCitationsEvaluator } from '../../evaluators/citations.ts';
import { mergeIntoCatalog, parseLawList, readText } from '../../evaluators/laws-import.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SHARED = join(ROOT, '..', 'shared');
const LAWS = join(SHARED, 'reference', 'real-laws.tsv');
const REAL = join(SHARED, 'data', 'real-citations.ndjson');
const DEV = join(SHARED, 'data', 'eval-dev.ndjson');
const SCORER = join(SHARED, 'tools', 'score-evaluators.mjs');
const present = [LAWS, REAL, DEV, SCORER].every((p) => existsSync(p));

const dir = mkdtempSync(join(tmpdir(), 'oversight-laws-it-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function oversight(args: string[], dataDir: string) {
  return spawnSync(process.execPath, [join(ROOT, 'bin', 'oversight.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, OVERSIGHT_DATA_DIR: dataDir, OVERSIGHT_LAW_CATALOG_DIR: '' },
    encoding: 'utf8',
    timeout: 300_000,
  });
}

interface Score {
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  fn: number;
  out: string;
}
/** The shared scorer's figures for hallucinated_citation, with the CLI reading the catalog of `dataDir`. */
function score(labeled: string, dataDir: string): Score {
  const res = spawnSync(process.execPath, [SCORER, labeled, '--min-precision', '0', '--min-recall', '0', '--', process.execPath, join(ROOT, 'bin', 'oversight.mjs'), 'evaluate', '--input'], {
    cwd: ROOT,
    env: { ...process.env, OVERSIGHT_DATA_DIR: dataDir, OVERSIGHT_LAW_CATALOG_DIR: '' },
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 1 << 26,
  });
  const m = /hallucinated_citation: precision ([\d.]+) recall ([\d.]+) \(tp (\d+), fp (\d+), fn (\d+)\)/.exec(res.stdout);
  if (!m) throw new Error(`no score in: ${res.stdout}\n${res.stderr}`);
  return { precision: Number(m[1]), recall: Number(m[2]), tp: Number(m[3]), fp: Number(m[4]), fn: Number(m[5]), out: res.stdout };
}

/** The labeled set split in two halves by a hash of the output id (stable, independent of order). */
function halves(): [string, string] {
  const lines = readFileSync(REAL, 'utf8').split('\n').filter(Boolean);
  const half = (l: string) => createHash('sha256').update(JSON.parse(l).output_id).digest()[0] % 2;
  const a = join(dir, 'half-a.ndjson');
  const b = join(dir, 'half-b.ndjson');
  writeFileSync(a, lines.filter((l) => half(l) === 0).join('\n') + '\n');
  writeFileSync(b, lines.filter((l) => half(l) === 1).join('\n') + '\n');
  return [a, b];
}

describe.skipIf(!present)('the official law list through the CLI (real statute sentences)', () => {
  const full = join(dir, 'full');
  const seedOnly = join(dir, 'seed');

  it('imports the list into a fresh data directory and reports it as the catalog in use', () => {
    const imported = oversight(['laws', 'import', LAWS], full);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/law catalog [0-9a-f]{12} stored in .*law-catalog.*\((\d{1,3}(,\d{3})*|\d+) laws\)/);
    const status = oversight(['laws', 'status', '--json'], full);
    const info = JSON.parse(status.stdout);
    expect(info).toMatchObject({ origin: 'imported', source: 'real-laws.tsv' });
    expect(info.law_count).toBeGreaterThan(10_000);
    expect(JSON.parse(oversight(['laws', 'status', '--json'], seedOnly).stdout)).toMatchObject({ origin: 'seed' });
  });

  it('with the list imported: precision >= 0.97 and recall >= 0.95 on the whole set and on each half', () => {
    const whole = score(REAL, full);
    expect(whole.precision, whole.out).toBeGreaterThanOrEqual(0.97);
    expect(whole.recall, whole.out).toBeGreaterThanOrEqual(0.95);
    for (const half of halves()) {
      const s = score(half, full);
      expect(s.precision, s.out).toBeGreaterThanOrEqual(0.97);
      expect(s.recall, s.out).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('with the seed catalog only: precision >= 0.97 (laws it does not know are unverifiable, not wrong)', () => {
    const s = score(REAL, seedOnly);
    expect(s.precision, s.out).toBeGreaterThanOrEqual(0.97);
    expect(s.tp).toBeGreaterThan(0);
  });

  it('the dev set stays at 1.00 with the list imported', () => {
    const s = score(DEV, full);
    expect([s.precision, s.recall], s.out).toEqual([1, 1]);
  });
});

describe.skipIf(!present)('every law of the list, cited correctly and wrongly', () => {
  // Each law of the list is cited the way statutes do, with its own number and its last article
  // (and without the number); then with another law's number, and with an article past its end. This
  // checks the rules against the whole list (titles shared over time, titles ending others, joint
  // ordinances, titles with dates), not only against the sampled sentences.
  const rows = parseLawList(readText(LAWS));
  const evaluator = createCitationsEvaluator({ catalog: buildCatalog(mergeIntoCatalog(SEED_LAW_CATALOG, rows).catalog) });
  const flagged = (response: string) =>
    evaluator.evaluate({ output_id: 'x', occurred_at: '2026-07-01T00:00:00Z', app: 'chat', prompt: '', response }).some((f) => f.severity !== 'info');
  const current = rows.filter((r) => !r.repealed && !/号（/.test(r.title));

  it('at most 0.2 % of correct citations are flagged', () => {
    let n = 0;
    let bad = 0;
    for (const r of current) {
      const article = r.last_article ? `第${r.last_article}条` : '第一条';
      for (const text of [`${r.title}（${r.number_raw}）${article}の規定により、`, `なお、${r.title}${r.last_article ? article : ''}の規定を適用する。`]) {
        n++;
        if (flagged(text)) bad++;
      }
    }
    expect(n).toBeGreaterThan(15_000);
    expect(bad / n).toBeLessThanOrEqual(0.002);
  });

  it('a number of another law and an article past the end are found for at least 95 %', () => {
    const numbers = new Map<string, Set<string>>();
    for (const r of rows) numbers.set(r.title, (numbers.get(r.title) ?? new Set()).add(r.number_raw));
    let n = 0;
    let found = 0;
    current.forEach((r, i) => {
      const other = current[(i * 7919 + 13) % current.length];
      if (!numbers.get(r.title)!.has(other.number_raw)) {
        n++;
        if (flagged(`${r.title}（${other.number_raw}）第一条の規定により、`)) found++;
      }
      if (r.last_article) {
        n++;
        if (flagged(`${r.title}（${r.number_raw}）第${r.last_article + 3}条の規定により、`)) found++;
      }
    });
    expect(n).toBeGreaterThan(15_000);
    expect(found / n).toBeGreaterThanOrEqual(0.95);
  });
});

