// The deployment's law catalog: `oversight laws import` stores the official list in the law-catalog
// directory; the evaluator uses the newest import and falls back to the seed; a new import is a new
// citation evaluator version (so the runner re-evaluates with it).
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED_LAW_CATALOG } from '../../../contracts/law-catalog.ts';
import { catalogHash } from '../../../evaluators/catalog.ts';
import { activeCatalogInfo, lawCatalogDir, loadActiveCatalog, storeImportedCatalog } from '../../../evaluators/catalog-store.ts';
import { createCitationsEvaluator } from '../../../evaluators/citations.ts';
import { mergeIntoCatalog, parseLawList } from '../../../evaluators/laws-import.ts';
import { EVALUATORS, refreshLawCatalog } from '../../../evaluators/registry.ts';
import { findings } from './helpers.ts';

const TSV_HEADER = 'law_title\tlaw_number\tlaw_number_arabic\tkind\tlast_article\tlast_article_label\tsuppl_numbering_continues_to\tlast_article_2013\texcerpt\tstatus\tstatus_evidence';
const list = (...rows: string[]) => parseLawList([TSV_HEADER, ...rows].join('\n'));
const imported = () =>
  mergeIntoCatalog(SEED_LAW_CATALOG, list('地方財政法\t昭和二十三年法律第百九号\t\t法律\t38\t第三十八条\t\t38\t\tno repeal found\t')).catalog;

const tmp = () => mkdtempSync(join(tmpdir(), 'oversight-law-catalog-'));

describe('the law-catalog directory', () => {
  it('is OVERSIGHT_LAW_CATALOG_DIR, else law-catalog under the data directory', () => {
    expect(lawCatalogDir({ OVERSIGHT_LAW_CATALOG_DIR: '/srv/laws', OVERSIGHT_DATA_DIR: '/data' })).toBe('/srv/laws');
    expect(lawCatalogDir({ OVERSIGHT_DATA_DIR: '/data/oversight' })).toBe('/data/oversight/law-catalog');
  });

  it('falls back to the seed when nothing was imported', () => {
    const dir = join(tmp(), 'missing');
    const active = loadActiveCatalog(dir);
    expect(active.info).toMatchObject({ origin: 'seed', law_count: SEED_LAW_CATALOG.laws.length, version: catalogHash(SEED_LAW_CATALOG), imported_at: null });
    expect(active.path).toBeNull();
  });

  it('uses the newest import, reports its version, size and time, and keeps the newest five', () => {
    const dir = tmp();
    const catalog = imported();
    for (let i = 0; i < 7; i++) storeImportedCatalog(dir, catalog, `/downloads/lawlist-${i}.xml`, new Date(Date.UTC(2026, 10, 1 + i)));
    expect(readdirSync(dir)).toHaveLength(5);
    const info = activeCatalogInfo(dir);
    expect(info).toEqual({ version: catalogHash(catalog), law_count: catalog.laws.length, origin: 'imported', imported_at: '2026-11-07T00:00:00.000Z', source: 'lawlist-6.xml' });
    const active = loadActiveCatalog(dir);
    expect(active.catalog.version).toBe(info.version);
    expect(findings(createCitationsEvaluator({ catalog: active.catalog }), '地方財政法（昭和二十三年法律第百九号）第五十条')).toEqual(['article_out_of_range']);
  });

  it('a corrupt newest catalog is an error, not a silent fall back to the seed', () => {
    const dir = tmp();
    storeImportedCatalog(dir, imported(), 'a.xml', new Date('2026-11-01T00:00:00Z'));
    writeFileSync(join(dir, 'catalog-20261102T000000Z-0123abcd.json'), '{"info": {}');
    expect(() => loadActiveCatalog(dir)).toThrow(/cannot read the law catalog|the law catalog .* is invalid/);
  });
});

describe('the evaluators use the newest import', () => {
  const saved = process.env.OVERSIGHT_LAW_CATALOG_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.OVERSIGHT_LAW_CATALOG_DIR;
    else process.env.OVERSIGHT_LAW_CATALOG_DIR = saved;
    refreshLawCatalog();
  });

  it('refreshLawCatalog swaps the citation evaluator to the new catalog version', () => {
    const citations = () => EVALUATORS.find((e) => e.id === 'citations')!;
    const before = citations().version;
    const dir = tmp();
    process.env.OVERSIGHT_LAW_CATALOG_DIR = dir;
    expect(refreshLawCatalog()).toBe(false); // still nothing imported: the seed it already had
    const catalog = imported();
    storeImportedCatalog(dir, catalog, 'lawlist.xml');
    expect(refreshLawCatalog()).toBe(true);
    expect(citations().version).not.toBe(before);
    expect(citations().version).toMatch(new RegExp(`\\+catalog\\.${catalogHash(catalog)}$`));
    expect(findings(citations(), '地方財政法（昭和二十三年法律第百九号）第五十条')).toEqual(['article_out_of_range']);
    expect(refreshLawCatalog()).toBe(false);
  });
});

describe('TSV lists with last articles', () => {
  it('reads title, number, the last citable article (numbering continued into 附則) and repeal status', () => {
    const laws = list(
      '労働基準法\t昭和二十二年法律第四十九号\t昭和22年法律第49号\t法律\t121\t第百二十一条\t143\t121\t\tno repeal found\t',
      '獣医師法\t大正十五年法律第五十三号\t大正15年法律第53号\t法律\t\t\t\t\t\trepealed\trepeal clause in x.rst',
      '獣医師法\t大正十五年法律第五十三号\t大正15年法律第53号\t法律\t\t\t\t\t\trepealed\trepeal clause in y.rst',
      '昭和二十二年法律第五十四号（私的独占の禁止及び公正取引の確保に関する法律）\t昭和二十二年法律第五十四号\t\t法律\t118\t\t\t118\t\tno repeal found\t',
    );
    expect(laws.map((l) => [l.title, l.last_article, l.repealed])).toEqual([
      ['労働基準法', 143, false],
      ['獣医師法', null, true],
      ['獣医師法', null, true],
      ['昭和二十二年法律第五十四号（私的独占の禁止及び公正取引の確保に関する法律）', 118, false],
    ]);
    const merged = mergeIntoCatalog({ ...SEED_LAW_CATALOG, laws: [] }, laws);
    expect(merged.added).toBe(3); // the second 獣医師法 row is the same law
    const byTitle = new Map(merged.catalog.laws.map((l) => [l.title, l]));
    expect(byTitle.get('労働基準法')!.last_article).toBe(143);
    expect(byTitle.get('獣医師法')!.status).toBe('repealed');
    // a law listed by its number is cited by the subject in brackets
    expect(merged.catalog.laws.find((l) => l.number_ja === '昭和22年法律第54号')!.aliases).toEqual(['私的独占の禁止及び公正取引の確保に関する法律']);
  });

  it('the official last article replaces the seed value, and the seed keeps its curated names', () => {
    const merged = mergeIntoCatalog(SEED_LAW_CATALOG, list('刑事訴訟法\t昭和二十三年法律第百三十一号\t\t法律\t520\t\t\t507\t\tno repeal found\t')).catalog;
    const keiso = merged.laws.find((l) => l.title === '刑事訴訟法')!;
    expect(keiso.last_article).toBe(520);
    expect(keiso.title_en).toBe(SEED_LAW_CATALOG.laws.find((l) => l.title === '刑事訴訟法')!.title_en);
  });
});
