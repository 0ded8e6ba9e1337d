// With an official-size catalog loaded (ten thousand titles, many ending the same way), the name
// lookup stays linear: adversarial megabytes of title endings finish in bounded CPU time. The titles
// here are generated, not the official list: only their shape matters.
import { describe, expect, it } from 'vitest';
import { SEED_LAW_CATALOG, type LawEntry } from '../../../contracts/law-catalog.ts';
import { buildCatalog } from '../../../evaluators/catalog.ts';
import { createCitationsEvaluator } from '../../../evaluators/citations.ts';

const KANJI = '一二三四五六七八九十';
const word = (i: number) => [...String(i)].map((d) => KANJI[Number(d)]).join('');
const laws: LawEntry[] = Array.from({ length: 10_000 }, (_, i) => ({
  // titles of a hundred and fifty different lengths end the same way, as official titles do
  title: `第${word(i)}種${'特定'.repeat(i % 75)}事業の適正化に関する法律`,
  aliases: [i % 3 === 0 ? `第${word(i)}種事業法` : `第${word(i)}号特例法律`],
  title_en: null,
  kind: '法律',
  era: '昭和',
  era_year: 20 + (i % 40),
  year: 1945 + (i % 40),
  number: 1 + (i % 300),
  number_ja: `昭和${20 + (i % 40)}年法律第${1 + (i % 300)}号`,
  number_en: null,
  status: 'current',
  repealed_on: null,
  replaced_by: null,
  last_article: 10 + (i % 50),
}));
const evaluator = createCitationsEvaluator({ catalog: buildCatalog({ ...SEED_LAW_CATALOG, laws: [...SEED_LAW_CATALOG.laws, ...laws] }) });

const MB = 1 << 20;
const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
function cpuMs(response: string): number {
  const t0 = process.cpuUsage();
  evaluator.evaluate({ output_id: 'big', occurred_at: '2026-07-01T00:00:00Z', app: 'chat', prompt: '', response });
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / 1000;
}

describe('citations with ten thousand titles loaded', () => {
  it('still finds a generated law and its last article', () => {
    const flags = evaluator.evaluate({ output_id: 'a', occurred_at: '2026-07-01T00:00:00Z', app: 'chat', prompt: '', response: `第${word(42)}種${'特定'.repeat(42)}事業の適正化に関する法律第六十条` });
    expect(flags.map((f) => f.rule_id)).toEqual(['article_out_of_range']);
  });

  it.each([['に関する法律'], ['法律'], ['適正化に関する法律'], ['種特定事業の適正化に関する法律'], ['法'], ['第一種事業法第一条']])('1 MB of "%s" in bounded time', (unit) => {
    expect(cpuMs(fill(unit))).toBeLessThan(5000);
  });
});
