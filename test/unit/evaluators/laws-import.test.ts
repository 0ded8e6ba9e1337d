// The e-Gov law-list importer: API v1 XML, v2 JSON and the CSV export, merged into the catalog.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCatalog, type CatalogFile } from '../../../evaluators/catalog.ts';
import { SEED_LAW_CATALOG } from '../../../contracts/law-catalog.ts';
import { createCitationsEvaluator } from '../../../evaluators/citations.ts';
import { mergeIntoCatalog, parseCsvRows, parseLawList, readText, toCatalogEntry } from '../../../evaluators/laws-import.ts';
import { findings } from './helpers.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const seed = (): CatalogFile => structuredClone(SEED_LAW_CATALOG);

describe('parsing', () => {
  it('reads the 法令API v1 lawlists XML', () => {
    const laws = parseLawList(readText(join(FIXTURES, 'egov-lawlists-v1.xml')));
    expect(laws).toHaveLength(6);
    expect(laws[1]).toEqual({ law_id: '129AC0000000089', title: '民法', number_raw: '明治二十九年法律第八十九号', promulgated: '1896-04-27', abbrev: [], repealed: false });
  });

  it('reads the CSV export (BOM, quoted commas, abbreviations, repeal column)', () => {
    const laws = parseLawList(readText(join(FIXTURES, 'egov-lawlist.csv')));
    expect(laws.map((l) => l.title)).toEqual(['道路運送車両法', '架空の法律, 試験用', '出入国管理及び難民認定法', '行政機関の保有する情報の公開に関する法律', '廃止された架空法']);
    expect(laws[2].abbrev).toEqual(['入管法', '入管難民法']);
    expect(laws[4].repealed).toBe(true);
    expect(laws[0].promulgated).toBe('1951-06-01');
  });

  it('reads the 法令API v2 JSON', () => {
    const json = JSON.stringify({ laws: [{ law_info: { law_id: '415AC0000000057', law_num: '平成十五年法律第五十七号', promulgation_date: '2003-05-30' }, revision_info: { law_title: '個人情報の保護に関する法律', abbrev: '個人情報保護法,個情法', repeal_status: 'None' } }] });
    expect(parseLawList(json)).toEqual([{ law_id: '415AC0000000057', title: '個人情報の保護に関する法律', number_raw: '平成十五年法律第五十七号', promulgated: '2003-05-30', abbrev: ['個人情報保護法', '個情法'], repealed: false }]);
  });

  it('CSV rows: quotes, doubled quotes, CRLF', () => {
    expect(parseCsvRows('a,"b,""c""",d\r\n1,2,3\n')).toEqual([['a', 'b,"c"', 'd'], ['1', '2', '3']]);
  });

  it('a CSV without title and number columns is rejected with the header it found', () => {
    expect(() => parseLawList('name,year\nx,1\n')).toThrow(/法令名.*法令番号.*found: name, year/);
  });

  it('kanji law numbers become catalog numbers', () => {
    const e = toCatalogEntry({ law_id: null, title: 'x', number_raw: '昭和二十三年法律第二百一号', promulgated: null, abbrev: [], repealed: false })!;
    expect(e).toMatchObject({ era: '昭和', era_year: 23, year: 1948, kind: '法律', number: 201, number_ja: '昭和23年法律第201号', number_en: 'Act No. 201 of 1948' });
    expect(toCatalogEntry({ law_id: null, title: 'x', number_raw: '令和元年政令第一号', promulgated: null, abbrev: [], repealed: false })!.number_ja).toBe('令和1年政令第1号');
  });
});

describe('merging', () => {
  it('adds new laws, keeps curated fields, fills official ids', () => {
    const before = seed();
    const res = mergeIntoCatalog(before, parseLawList(readText(join(FIXTURES, 'egov-lawlists-v1.xml'))));
    expect(res).toMatchObject({ added: 2, updated: 3, unchanged: 0 });
    expect(res.unreadable).toEqual(['番号のない告示 (不明)']);
    const civil = res.catalog.laws.find((l) => l.title === '民法')!;
    expect(civil).toMatchObject({ law_id: '129AC0000000089', last_article: 1050, title_en: 'Civil Code' });
    expect(res.catalog.laws.length).toBe(before.laws.length + 2);
    const again = mergeIntoCatalog(res.catalog, parseLawList(readText(join(FIXTURES, 'egov-lawlists-v1.xml'))));
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 5 }); // idempotent
  });

  it('the merged catalog lets the citation evaluator verify laws the seed did not know', () => {
    const merged = mergeIntoCatalog(seed(), parseLawList(readText(join(FIXTURES, 'egov-lawlists-v1.xml')))).catalog;
    const evaluator = createCitationsEvaluator({ catalog: buildCatalog(merged) });
    expect(findings(evaluator, '道路運送車両法（昭和26年法律第186号）第4条')).toEqual(['law_number_mismatch']);
    expect(findings(evaluator, '道路運送車両法（昭和26年法律第185号）第4条')).toEqual([]);
    expect(findings(evaluator, '歯科医師法（昭和23年法律第202号）')).toEqual([]);
    expect(findings(evaluator, '医師法（昭和23年法律第202号）')).toEqual(['law_number_mismatch']);
  });
});

describe('oversight laws import', () => {
  it('writes the merged catalog and reports what changed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oversight-laws-'));
    const catalog = join(dir, 'laws.json');
    writeFileSync(catalog, JSON.stringify(SEED_LAW_CATALOG));
    const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'oversight.mjs');
    const res = spawnSync(process.execPath, [bin, 'laws', 'import', join(FIXTURES, 'egov-lawlist.csv'), '--catalog', catalog], { encoding: 'utf8', timeout: 120_000 });
    expect(res.stderr).toMatch(/5 laws read .*: 3 added, 2 updated/);
    expect(res.stderr).toMatch(/catalog written to/);
    expect(res.status).toBe(0);
    const written: CatalogFile = JSON.parse(readFileSync(catalog, 'utf8'));
    expect(written.laws.find((l) => l.title === '出入国管理及び難民認定法')!.aliases).toEqual(['入管法', '入管難民法']);
    expect(written.laws.find((l) => l.title === '廃止された架空法')!.status).toBe('repealed');
    const bad = spawnSync(process.execPath, [bin, 'laws', 'import', join(dir, 'nope.csv'), '--catalog', catalog], { encoding: 'utf8', timeout: 120_000 });
    expect(bad.status).toBe(2);
  }, 180_000);
});

describe('headerless CSV (公布年月日, 法令の種類, 法令番号, 法令名称)', () => {
  it('finds the number and title columns by their content', () => {
    const csv = '1947/05/03,法律,昭和二十二年法律第百二十五号,国家賠償法\n1951/06/01,法律,昭和二十六年法律第百八十五号,道路運送車両法\n';
    expect(parseLawList(csv).map((l) => [l.title, l.number_raw, l.promulgated])).toEqual([
      ['国家賠償法', '昭和二十二年法律第百二十五号', '1947-05-03'],
      ['道路運送車両法', '昭和二十六年法律第百八十五号', '1951-06-01'],
    ]);
  });
});
