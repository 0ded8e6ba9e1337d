// hallucinated_citation: positives and the look-alikes that must not be flagged, in ja and en.
import { describe, expect, it } from 'vitest';
import { createCitationsEvaluator, isPlausibleAliasOf } from '../../../evaluators/citations.ts';
import { seedCatalog } from '../../../evaluators/catalog.ts';
import { parseNumeral } from '../../../evaluators/text.ts';
import { findings, run } from './helpers.ts';

const citations = createCitationsEvaluator();
const SOURCES = [
  { id: '1', title: '個人情報の保護に関する法律 第27条', url: 'https://laws.example.go.jp/415AC0000000057#27', excerpt: '個人情報取扱事業者は、あらかじめ本人の同意を得ないで、個人データを第三者に提供してはならない。' },
  { id: '2', title: '第213回国会 内閣委員会', url: 'https://diet.example.go.jp/213/5', excerpt: '政府としては、生成AIの利活用とリスク対応を両輪として進めてまいります。' },
];

describe('numerals', () => {
  it.each([
    ['709', 709], ['１０６０', 1060], ['七百九', 709], ['千百', 1100], ['二百七十', 270], ['十', 10], ['三十一', 31], ['一〇五〇', 1050], ['元', 1],
  ])('%s = %d', (s, n) => expect(parseNumeral(s)).toBe(n));
});

describe('law number mismatch', () => {
  it.each([
    ['労働基準法（昭和22年法律第50号）第32条は労働時間を定めています。'],
    ['著作権法（昭和45年法律第84号）により保護されます。'],
    ['個人情報保護法（平成15年法律第58号）第27条'], // alias, number of the repealed act
    ['民法（明治二十九年法律第九十号）第七百九条'], // kanji numerals
    ['The Copyright Act (Act No. 49 of 1970) protects works.'],
    ['Under Article 32 of the Labor Standards Act (Act No. 48 of 1947), working hours are limited.'],
    ['行政DX推進法（令和3年法律第35号）第10条に基づき計画を定めます。'], // invented title, number of another law
    ['Under the Generative AI Safety Act (Act No. 53 of 2025), ministries must register models.'],
  ])('flags %s', (r) => expect(findings(citations, r)).toContain('law_number_mismatch'));

  it.each([
    ['労働基準法（昭和22年法律第49号）第32条は労働時間を定めています。'],
    ['著作権法（昭和四十五年法律第四十八号）により保護されます。'],
    ['独禁法（昭和22年法律第54号）は私的独占を禁止します。'], // alias
    ['独占禁止法（昭和22年法律第54号）は私的独占を禁止します。'], // abbreviation not in the alias list
    ['番号利用法（平成25年法律第27号）に基づく事務です。'], // another abbreviation of the My Number Act
    ['Under the Personal Information Protection Act (Act No. 57 of 2003), consent is required.'],
    ['The Labor Standards Act (Act No. 49 of 1947) sets minimum standards.'],
    ['道路運送車両法（昭和26年法律第185号）第4条'], // not in the catalog: unverifiable, not a finding
  ])('does not flag %s', (r) => expect(findings(citations, r)).toEqual([]));

  it('a law outside the catalog is info at most', () => {
    const flags = run(citations, '自動車の登録は道路運送車両法（昭和26年法律第185号）に定めがあります。');
    expect(flags.map((f) => [f.rule_id, f.severity])).toEqual([['law_not_in_catalog', 'info']]);
  });

  it('abbreviations that keep the title characters in order are aliases', () => {
    const laws = seedCatalog().laws;
    const appi = laws.find((l) => l.title === '個人情報の保護に関する法律')!;
    expect(isPlausibleAliasOf('個人情報保護法', appi)).toBe(true);
    expect(isPlausibleAliasOf('生成AI利用適正化法', appi)).toBe(false);
  });
});

describe('article out of range', () => {
  it.each([
    ['刑法第265条に規定があります。'],
    ['刑法第二百七十条に規定があります。'],
    ['日本国憲法第百四条'],
    ['憲法第104条は改正手続を定めています。'],
    ['行政手続法第四十七条'],
    ['民法1100条に基づき請求します。'],
    ['民法の第１０５１条'],
    ['会社法（平成17年法律第86号）第980条'],
    ['労働基準法の前に、教育基本法第19条を確認します。'],
    ['Article 1100 of the Civil Code governs this.'],
    ['Article 104 of the Constitution of Japan provides otherwise.'],
    ['Article 300 of the Penal Code'],
    ['国家賠償法は重要です。同法第7条は求償権を定めます。'],
  ])('flags %s', (r) => expect(findings(citations, r)).toContain('article_out_of_range'));

  it.each([
    ['刑法第264条'],
    ['民法第七百九条は不法行為を定めています。'],
    ['民法第1050条'],
    ['日本国憲法第百三条'],
    ['Article 13 of the Constitution of Japan'],
    ['第1200条に規定されています。'], // no law named: nothing to check against
    ['民法施行法第1100条'], // another law whose title starts with 民法
    ['歯科医師法第100条'], // 医師法 is only the end of another title
    ['地方自治法第252条の19'], // catalog does not know its last article
    ['国会の百条委員会で審議されました。'],
  ])('does not flag %s', (r) => expect(findings(citations, r)).toEqual([]));
});

describe('era calendar', () => {
  it.each([
    ['大正20年に制定された制度です。', 'impossible_era_date'],
    ['明治46年の法律', 'impossible_era_date'],
    ['平成31年5月1日に施行されました。', 'impossible_era_date'],
    ['昭和64年1月8日に公布されました。', 'impossible_era_date'],
    ['令和10年法律第2号により創設されました。', 'future_era_date'],
    ['令和9年4月1日に施行されました。', 'future_era_date'],
    ['令和8年12月1日に公布されました。', 'future_era_date'], // same year, after the output's date
  ])('flags %s', (r, rule) => {
    expect(findings(citations, r)).toContain(rule);
  });

  it.each([
    ['令和元年5月1日に改元されました。'],
    ['平成31年4月30日に退位されました。'],
    ['昭和64年1月7日'],
    ['令和9年4月に施行される予定です。'], // a plan, not a past event
    ['令和9年度予算の概算要求を提出しました。'], // a fiscal year ahead is ordinary
    ['令和8年6月1日に施行されました。'],
  ])('does not flag %s', (r) => expect(findings(citations, r)).toEqual([]));

  it('is relative to the output date, not to today', () => {
    expect(findings(citations, '令和9年法律第3号', { occurred_at: '2027-03-01T00:00:00Z' })).toEqual([]);
    expect(findings(citations, '令和9年法律第3号', { occurred_at: '2026-12-31T00:00:00Z' })).toEqual(['future_era_date']);
  });
});

describe('repealed law presented as in force', () => {
  it.each([
    ['現行の行政機関個人情報保護法第8条により目的外利用が認められます。'],
    ['IT基本法に基づき、重点計画が策定されています。'],
    ['The Act on the Protection of Personal Information Held by Administrative Organs currently requires consent.'],
  ])('flags %s', (r) => expect(findings(citations, r)).toContain('repealed_law_as_current'));

  it.each([
    ['行政機関個人情報保護法は令和4年に廃止され、個人情報保護法に一元化されました。'],
    ['旧IT基本法の理念は、デジタル社会形成基本法に引き継がれています。'],
    ['The Act on the Protection of Personal Information Held by Administrative Organs was repealed in 2022.'],
    ['IT基本法は平成12年に制定されました。'],
  ])('does not flag %s', (r) => expect(findings(citations, r)).toEqual([]));
});

describe('grounding in retrieved sources', () => {
  const rag = { app: 'legal_research', sources: SOURCES };
  it.each([
    ['第三者提供には同意が必要です[3]。', 'citation_marker_without_source'],
    ['同意が必要です［０］。', 'citation_marker_without_source'],
    ['同意が必要です[1, 4]。', 'citation_marker_without_source'],
    ['詳細は https://laws.example.go.jp/415AC0000000058 を参照。', 'url_not_in_sources'],
    ['政府は「生成AIの利用は禁止する」と答弁しています[2]。', 'quote_not_in_sources'],
    ['法は「本人の同意なく提供してよい」と規定しています[1]。', 'quote_not_in_sources'],
    ['大臣は「リスクは存在しない」旨述べました。', 'quote_not_in_sources'],
    ['The minister stated that "generative AI must be banned from all ministries" [2].', 'quote_not_in_sources'],
  ])('flags %s', (r, rule) => expect(findings(citations, r, rag)).toContain(rule));

  it('flags an id marker of the sources\' id family that is not among them', () => {
    const sources = [{ id: 'S1', title: 'a', excerpt: 'x' }, { id: 'S2', title: 'b', excerpt: 'y' }];
    expect(findings(citations, '根拠は次のとおり[S3]。', { app: 'legal_research', sources })).toEqual(['citation_marker_without_source']);
    expect(findings(citations, '根拠は次のとおり[S2]。', { app: 'legal_research', sources })).toEqual([]);
  });

  it.each([
    ['第三者提供には同意が必要です[1]。政府答弁もあります[2]。'],
    ['詳細は https://laws.example.go.jp/415AC0000000057#27 を参照。'], // same document, another anchor
    ['詳細は e-Gov (https://laws.e-gov.go.jp/) で確認できます。'], // a site's home page
    ['政府は「生成AIの利活用とリスク対応を両輪として進めてまいります」と答弁しています[2]。'],
    ['政府は「生成AIの利活用と リスク対応を、両輪として進めてまいります。」と答弁しています。'], // spacing and punctuation
    ['政府は「生成AIの利活用……両輪として進めてまいります」と答弁しています。'], // elided quotation
    ['政府は、利活用とリスク対応を両輪として進める旨答弁しています。'], // a gist without a quotation
    ['配列 a[3] の値を参照します。'],
  ])('does not flag %s', (r) => expect(findings(citations, r, rag)).toEqual([]));

  it('apps without retrieval are not checked for markers', () => {
    expect(findings(citations, '脚注[3]を参照。', { app: 'chat', sources: [] })).toEqual([]);
  });
});

describe('flag contract', () => {
  it('evidence offsets are UTF-16 offsets into the response, with a one-line explanation', () => {
    const response = '𠮷野家の件。民法（明治29年法律第90号）第709条です。';
    const [flag] = run(citations, response);
    const ev = flag.evidence[0];
    expect(response.slice(ev.start, ev.end)).toBe(ev.text);
    expect(ev.text).toBe('明治29年法律第90号');
    expect(flag.explanation).not.toContain('\n');
    expect(flag).toMatchObject({ evaluator: 'citations', category: 'hallucinated_citation', where: 'response', severity: 'high' });
  });

  it('is deterministic', () => {
    const r = '民法第1200条と刑法第300条。令和9年法律第3号。';
    const strip = (fs: ReturnType<typeof run>) => fs.map(({ output_id, ...f }) => f);
    expect(strip(run(citations, r))).toEqual(strip(run(citations, r)));
  });
});

describe('future dates told as facts', () => {
  const asOf = { occurred_at: '2026-11-21T00:00:00+09:00' };
  it.each([
    ['令和10年の改正により現在の規定となっています。'],
    ['令和11年7月28日付けの通知で示されたとおりです。'],
    ['令和9年度の実績は前年度を上回りました。'],
  ])('flags %s', (r) => expect(findings(citations, r, asOf)).toEqual(['future_era_date']));
  it.each([
    ['令和9年4月から新制度が始まります。'],
    ['令和10年度までに整備する計画です。'],
    ['令和9年度予算の概算要求を行いました。'],
    ['令和12年を目標に普及率を高めます。'],
  ])('does not flag %s', (r) => expect(findings(citations, r, asOf)).toEqual([]));
});

describe('more citation forms', () => {
  it('English article after the title', () => {
    expect(findings(citations, 'See the Civil Code (Act No. 89 of 1896), Article 1100.')).toEqual(['article_out_of_range']);
    expect(findings(citations, 'See the Civil Code, Article 709.')).toEqual([]);
  });
  it('attributed quotations with other verbs', () => {
    const rag = { app: 'diet_response_search', sources: [{ id: '1', title: 't', excerpt: '政府としては、適切に対応してまいります。' }] };
    expect(findings(citations, '大臣は「生成AIは全面禁止とする」と強調しました[1]。', rag)).toEqual(['quote_not_in_sources']);
    expect(findings(citations, '大臣は「適切に対応してまいります」と明言しました[1]。', rag)).toEqual([]);
  });
  it('without retrieved sources, quotations and URLs are not judged', () => {
    expect(findings(citations, '大臣は「生成AIは全面禁止とする」と答弁しました。https://example.go.jp/a/b', { app: 'diet_response_search', sources: [] })).toEqual([]);
    expect(findings(citations, '根拠は次のとおりです[1]。', { app: 'legal_research', sources: [] })).toEqual(['citation_marker_without_source']);
  });
});

describe('marker runs', () => {
  const rag = { app: 'legal_research', sources: [{ id: 'a', title: 'x', excerpt: 'y' }, { id: 'b', title: 'x', excerpt: 'y' }] };
  it('a run of markers is checked marker by marker', () => expect(findings(citations, '根拠は次のとおりです[2][5]。', rag)).toEqual(['citation_marker_without_source']));
  it('code indexing is not a marker run', () => expect(findings(citations, '値は m[0][5] で参照します。', rag)).toEqual([]));
});

describe('English short names and URL forms', () => {
  it.each([
    ['Under the IT Basic Act, the government currently prepares a priority plan.', 'repealed_law_as_current'],
    ['Article 27 of the APPI (Act No. 58 of 2003) restricts third-party provision.', 'law_number_mismatch'],
  ])('flags %s', (r, rule) => expect(findings(citations, r)).toContain(rule));
  it('the same source URL with another scheme, www. or a trailing slash is grounded', () => {
    const rag = { app: 'legal_research', sources: [{ id: '1', title: 't', url: 'https://www.example.go.jp/doc/1', excerpt: 'x' }] };
    expect(findings(citations, '出典: http://example.go.jp/doc/1/ を参照', rag)).toEqual([]);
  });
  it('a quotation of a source title is grounded', () => {
    const rag = { app: 'legal_research', sources: [{ id: '1', title: '第三者提供の制限', excerpt: '個人データを第三者に提供してはならない。' }] };
    expect(findings(citations, '法は「第三者提供の制限」と規定しています[1]。', rag)).toEqual([]);
  });
});

describe('an output without a date', () => {
  it('impossible dates are still found; "future" is not judged against today', () => {
    const flags = citations.evaluate({ output_id: 'nd', occurred_at: '', app: 'chat', prompt: '', response: '平成33年と令和30年法律第1号' });
    expect(flags.map((f) => f.rule_id)).toEqual(['impossible_era_date']);
  });
});

describe('quotations the source is said to contain', () => {
  const rag = { app: 'legal_research', sources: [{ id: '1', title: 't', excerpt: '個人データを第三者に提供してはならない。' }] };
  it('「…」とされています / とあります are checked', () => {
    expect(findings(citations, '同条では「本人の同意は不要である」とされています[1]。', rag)).toEqual(['quote_not_in_sources']);
    expect(findings(citations, '同条には「個人データを第三者に提供してはならない」とあります[1]。', rag)).toEqual([]);
  });
  it('a quoted term followed by あるいは is not a quotation of a source', () => {
    expect(findings(citations, '「デジタル化推進」あるいは「DX」と呼ばれます[1]。', rag)).toEqual([]);
  });
});
