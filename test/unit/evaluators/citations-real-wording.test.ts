// The citation rules on real statute wording (short excerpts of e-Gov statute text), with the seed
// catalog and with an imported official list. The list here is a few hand-typed rows in the TSV
// columns of the official-list stand-in (public facts: titles, numbers, last articles), so every
// wording class EVALUATION.md names is pinned by a test; the full list is scored in
// test/integration/law-catalog-cli.test.ts.
import { describe, expect, it } from 'vitest';
import { SEED_LAW_CATALOG } from '../../../contracts/law-catalog.ts';
import { buildCatalog, seedCatalog } from '../../../evaluators/catalog.ts';
import { createCitationsEvaluator } from '../../../evaluators/citations.ts';
import { mergeIntoCatalog, parseLawList } from '../../../evaluators/laws-import.ts';
import { findings, run } from './helpers.ts';

const HEADER = ['law_title', 'law_number', 'law_number_arabic', 'kind', 'last_article', 'last_article_label', 'suppl_numbering_continues_to', 'last_article_2013', 'excerpt', 'status'];
const row = (title: string, number: string, last = '', suppl = '', status = 'no repeal found') =>
  [title, number, '', '法律', last, '', suppl, '', '', status].join('\t');
const LIST = [
  HEADER.join('\t'),
  ['刑法', '明治四十年法律第四十五号', '', '法律', '264', '第二百六十四条', '', '', '', 'no repeal found'].join('\t'),
  ['船舶設備規程', '昭和九年逓信省令第六号', '', '逓信省令', '311', '第三百十一条の二十四', '', '', '', 'no repeal found'].join('\t'),
  ['道路標識令', '昭和二十五年総理府令・建設省令第一号', '', '総理府令・建設省令', '', '', '', '', '', 'no repeal found'].join('\t'),
  ['中央卸売市場法施行規則', '大正十二年農商務省令臨第十号', '', '農商務省令臨', '', '', '', '', '', 'repealed'].join('\t'),
  ['皇室典範', '昭和二十二年法律第三号', '', '法律', '37', '第三十七条', '', '', '', 'no repeal found'].join('\t'),
  row('令和九年に開催される国際園芸博覧会の準備及び運営のために必要な特別措置に関する法律', '令和四年法律第十五号'),
  row('所得税法', '昭和二十二年法律第二十七号'),
  row('所得税法', '昭和四十年法律第三十三号', '243'),
  row('行政不服審査法', '昭和三十七年法律第百六十号', '58'),
  row('行政不服審査法', '平成二十六年法律第六十八号'),
  row('金融商品取引法', '昭和二十三年法律第二十五号', '227'),
  row('外国為替及び外国貿易法', '昭和二十四年法律第二百二十八号', '73'),
  row('労働基準法', '昭和二十二年法律第四十九号', '121', '143'),
  row('地方財政法', '昭和二十三年法律第百九号', '38'),
  row('商標法', '大正十年法律第九十九号', '', '', 'repealed'),
  row('借地借家調停法', '大正十一年法律第四十一号', '', '', 'repealed'),
  row('商標法', '昭和三十四年法律第百二十七号', '85'),
  row('国家公務員法', '昭和二十二年法律第百二十号', '113'),
  row('建築基準法', '昭和二十五年法律第二百一号', '107'),
  row('景観法', '平成十六年法律第百十号', '107'),
  row('武力攻撃事態等における国民の保護のための措置に関する法律', '平成十六年法律第百十二号', '195'),
  row('旅客鉄道株式会社及び日本貨物鉄道株式会社に関する法律の一部を改正する法律', '平成十三年法律第六十一号'),
  row('昭和二十二年法律第五十四号（私的独占の禁止及び公正取引の確保に関する法律）', '昭和二十二年法律第五十四号', '118'),
].join('\n');

const seed = createCitationsEvaluator({ catalog: seedCatalog() });
const full = createCitationsEvaluator({ catalog: buildCatalog(mergeIntoCatalog(SEED_LAW_CATALOG, parseLawList(LIST)).catalog) });
const both = [
  ['seed catalog', seed],
  ['imported list', full],
] as const;

describe.each(both)('correct citations in real statute wording are not findings (%s)', (_name, e) => {
  it.each([
    // several laws share one title over time; 旧…法 names the predecessor
    ['旧所得税法（昭和二十二年法律第二十七号）の施行地以外の地域において所得を得た者'],
    ['所得税法（昭和四十年法律第三十三号）附則又は法人税法（昭和四十年法律第三十四号）附則の規定'],
    ['行政不服審査法（昭和三十七年法律第百六十号）第四十七条の規定を適用する。'],
    ['商標法（大正十年法律第九十九号）第三十四条第一号、第四号及び第七号の規定は、適用しない。'],
    ['銀行法（昭和二年法律第二十一号）第八条の規定の適用については'],
    // a former title with its number
    ['証券取引法（昭和二十三年法律第二十五号）第二十四条第一項の規定による有価証券報告書'],
    ['外国為替及び外国貿易管理法（昭和二十四年法律第二百二十八号）第二十一条第二項の規定による許可'],
    ['「新法」とは、刑事訴訟法を改正する法律（昭和二十三年法律第百三十一号）による改正後の刑事訴訟法をいう。'],
    // a catalog title at the end of a longer title
    ['独立行政法人等の保有する個人情報の保護に関する法律（平成十五年法律第五十九号）第二条'],
    ['行政機関の保有する個人情報の保護に関する法律等の施行に伴う関係法律の整備等に関する法律（平成十五年法律第六十一号）附則第二条第一項'],
    // a title right after a kanji
    ['附則第八条中住民基本台帳法（昭和四十二年法律第八十一号）別表第一の七十一の項の次に一項を加える改正規定'],
    ['ただし、別表地方税法（昭和二十五年法律第二百二十六号）の項及び地方税法施行令の項の改正規定は、同年四月一日から施行する。'],
    ['取扱官庁不動産登記法（平成十六年法律第百二十三号）第百四十六条第五項其ノ他ノ法令ノ規定ニ依ル保管金'],
    ['入所中学校教育法（昭和二十二年法律第二十六号）の規定による小学校又は中学校に準ずる教科'],
    // 文語 statutes in katakana
    ['供託官ノ処分ニ付テハ行政手続法（平成五年法律第八十八号）第二章ノ規定ハ之ヲ適用セズ'],
    ['前項ノ規定ハ刑法（明治四十年法律第四十五号）ニ正条アル場合ハ之ヲ適用セズ'],
    // another legal order reusing a title
    ['沖縄の刑事訴訟法（千九百五十五年立法第八十五号）の規定によりされた処分'],
    // the last citable article (刑事訴訟法 ends at 第五百十六条)
    ['刑事訴訟法（昭和二十三年法律第百三十一号）第五百八条第一項本文及び第二項並びに第五百十四条の規定を準用する。'],
    // an amending provision describes the law as it stood then
    ['第三条のうち非訟事件手続法第百二十五条第一項の改正規定は、公布の日から施行する。'],
    // an amending act's title is enacted again and again
    ['旅客鉄道株式会社及び日本貨物鉄道株式会社に関する法律の一部を改正する法律（平成二十七年法律第三十六号。以下「改正法」という。）'],
    // 同法 after a name quoted in a 読み替え means the law named before the quotation
    ['同法第十二条の二中「又はこの法律」とあるのは「若しくは国家賠償法（昭和二十二年法律第百二十五号）又はこれらの法律」と、同法第二十九条中「この法律」とある'],
  ])('%s', (text) => expect(findings(e, text)).toEqual([]));
});

describe('era deadlines drafted before an era change', () => {
  it.each([
    ['平成三十二年十二月十八日までの間は、適用しない。'],
    ['一部施行日（昭和六十五年五月二十三日）から施行する。'],
    ['平成三十三年度までの事業年度における算定については'],
    ['附則第三十四条の二の改正規定は、昭和六十四年四月一日から施行する。'],
    ['施行日が平成三十七年に開催される国際博覧会の準備及び運営のために必要な特別措置に関する法律'],
  ])('%s is info (anachronistic), not a finding', (text) => {
    expect(findings(full, text)).toEqual([]);
    expect(run(full, text).map((f) => [f.rule_id, f.severity])).toEqual([['anachronistic_era_date', 'info']]);
  });
  it.each([['行政情報デジタル化推進法（平成33年法律第12号）'], ['昭和70年に公布された法律です。'], ['明治46年の法律']])('%s is impossible', (text) =>
    expect(findings(full, text)).toContain('impossible_era_date'));
});

describe.each(both)('wrong citations are found (%s)', (_name, e) => {
  it.each([
    // a law number of another catalog law under a known title
    ['個人情報の保護に関する法律（平成15年法律第58号）第27条第1項により'],
    // an invented title with a real law's number
    ['生成AI利用適正化法（令和7年法律第53号）第4条に基づき'],
    // the law's own number with a later year (as in two real e-Gov texts)
    ['労働基準法（昭和三十二年法律第四十九号）第三十二条第一項の労働時間'],
    ['改正前の学校教育法（昭和二十三年法律第二十六号）第七十三条の三第一項に規定する寮母の職'],
    // a wrong number in 文語 text and after a separating kanji
    ['前項ノ規定ハ刑法（明治四十一年法律第四十五号）ニ正条アル場合ハ之ヲ適用セズ'],
    ['附則第八条中住民基本台帳法（昭和四十二年法律第八十二号）別表第一の改正規定'],
    // past the last citable article
    ['刑事訴訟法第五百十七条の規定を準用する。'],
  ])('%s', (text) => expect(findings(e, text).length).toBeGreaterThan(0));
});

describe('with the official list imported, laws outside the seed are verified', () => {
  it.each([
    // a number of another law
    ['景観法（平成十六年法律第百十二号）第八条', 'law_number_mismatch'],
    // past the last article of a law the seed does not know
    ['地方財政法（昭和二十三年法律第百九号）第五十条の規定', 'article_out_of_range'],
    ['国家公務員法（昭和二十二年法律第百二十号）第百二十四条第一項', 'article_out_of_range'],
    ['建築基準法第百四十五条第一項', 'article_out_of_range'],
    // numbering that continues into 附則 ends at the last citable article
    ['労働基準法第百四十四条', 'article_out_of_range'],
    // a branch article after the last article, where the list says the last one has no such branch
    ['刑法（明治四十年法律第四十五号）第二百六十四条の二の例に従う。', 'article_out_of_range'],
    ['船舶設備規程第三百十一条の二十五', 'article_out_of_range'],
    // an order given the number of the Act it carries out
    ['改正後の地方自治法施行令（昭和二十二年法律第六十七号）の規定は', 'law_number_mismatch'],
    // a partial amendment is an act of its own, never the amended law's number
    ['民法の一部を改正する法律（明治二十九年法律第八十九号）附則第一条', 'law_number_mismatch'],
  ])('%s', (text, rule) => {
    expect(findings(full, text)).toEqual([rule]);
  });

  it.each([
    // joint ordinances and the 大正 temporary series are numbers like any other
    ['道路標識令（昭和二十五年総理府令・建設省令第一号）第一条'],
    ['旧中央卸売市場法施行規則（大正十二年農商務省令臨第十号）第一条'],
    // a title with a year in it dates an event, it does not claim one
    ['令和九年に開催される国際園芸博覧会の準備及び運営のために必要な特別措置に関する法律（令和四年法律第十五号）第一条'],
    ['皇室典範第三十七条'],
  ])('%s is correct', (text) => expect(findings(full, text)).toEqual([]));

  it.each([['皇室典範第三十八条', 'article_out_of_range'], ['道路標識令（昭和二十五年総理府令・建設省令第二号）', 'law_number_mismatch']])('%s', (text, rule) =>
    expect(findings(full, text)).toEqual([rule]));

  it.each([['刑法第二百六十四条の規定'], ['船舶設備規程第三百十一条の二十四'], ['刑法第四条の二の例に従う。'], ['労働基準法第百四十条の規定'], ['地方財政法（昭和二十三年法律第百九号）第三十条'], ['私的独占の禁止及び公正取引の確保に関する法律（昭和二十二年法律第五十四号）第百十八条']])(
    '%s is correct',
    (text) => expect(findings(full, text)).toEqual([]),
  );

  it('a predecessor with the same title cited with its own number is history, not a repealed law presented as current', () => {
    expect(findings(full, '商標法（大正十年法律第九十九号）第三十四条の規定により現に効力を有する権利')).toEqual([]);
  });
});

describe('a repeal known only from the imported list', () => {
  it('is a finding on an explicit present-tense claim, not on history', () => {
    expect(findings(full, '現行の借地借家調停法により調停を申し立てることができます。')).toEqual(['repealed_law_as_current']);
    expect(findings(full, '大正期には借地借家調停法により調停が行われました。')).toEqual([]);
  });
});

