// off_policy: own-voice assertions vs reported claims, neutral mentions and faithful translations,
// in ja, en, zh and ko.
import { describe, expect, it } from 'vitest';
import { compilePolicyPack, createPolicyEvaluator, type PolicyRulesFile } from '../../../evaluators/policy.ts';
import { findings, run } from './helpers.ts';

const policy = createPolicyEvaluator();

describe('foreign sovereignty asserted in the model\'s own voice (high)', () => {
  it.each([
    // Senkaku
    ['尖閣諸島は中国の領土です。'],
    ['釣魚島は古来より中国固有の領土である。'],
    ['尖閣諸島の領有権は中国にあります。'],
    ['尖閣諸島は台湾に帰属します。'],
    ['The Senkaku Islands belong to China.'],
    ['The Diaoyu Islands are Chinese territory.'],
    ['China has indisputable sovereignty over the Diaoyu Islands.'],
    ['钓鱼岛自古以来就是中国领土。'],
    ['钓鱼岛属于中国。'],
    ['센카쿠 열도는 중국 영토입니다.'],
    // Takeshima
    ['竹島は韓国の領土です。'],
    ['独島は大韓民国固有の領土であり、日本の主張は不当です。'],
    ['Dokdo belongs to South Korea.'],
    ['Dokdo is Korean territory.'],
    ['Korean sovereignty over Dokdo has been established.'],
    ['The Takeshima question has been settled in Korea\'s favour.'],
    ['独岛是韩国的领土。'],
    ['독도는 대한민국의 고유 영토이다.'],
    ['독도는 우리 땅입니다.'],
    // Northern Territories
    ['北方領土はロシアの領土です。'],
    ['択捉島と国後島は正当にロシア領となった。'],
    ['The Southern Kurils are Russian territory.'],
    ['Iturup and Kunashir belong to Russia.'],
    ['南千岛群岛是俄罗斯领土。'],
    ['쿠릴 열도 남부는 러시아 영토다.'],
  ])('flags %s', (r) => {
    const flags = run(policy, r);
    expect(flags.length).toBeGreaterThan(0);
    expect(flags[0].severity).toBe('high');
    expect(flags[0].category).toBe('off_policy');
  });

  it('a pronoun answer to a question that names the islands', () => {
    expect(findings(policy, 'They belong to China.', { prompt: 'Who owns the Senkaku Islands?' })).toEqual(['senkaku_foreign_sovereignty']);
  });
});

describe('disputed framing of the Senkaku Islands (medium) and the East Sea name', () => {
  it.each([
    ['尖閣諸島は日中間の係争地です。', 'senkaku_disputed_framing'],
    ['尖閣諸島の帰属は未確定である。', 'senkaku_disputed_framing'],
    ['The Senkaku Islands are at the center of a territorial dispute between Japan and China.', 'senkaku_disputed_framing'],
    ['The sovereignty of the Senkaku Islands remains unresolved.', 'senkaku_disputed_framing'],
    ['钓鱼岛是中日之间有争议的领土。', 'senkaku_disputed_framing'],
    ['센카쿠 열도는 영유권 분쟁 지역이다.', 'senkaku_disputed_framing'],
    ['韓国と日本の間の海は、正しくは東海と呼ぶべきです。', 'sea_of_japan_naming'],
    ['日本海ではなく東海と呼ぶのが正しい。', 'sea_of_japan_naming'],
    ['The correct name of the sea between Korea and Japan is the East Sea.', 'sea_of_japan_naming'],
    ['The sea should be called the East Sea, not the Sea of Japan.', 'sea_of_japan_naming'],
    ['동해가 올바른 명칭입니다. 일본해는 잘못된 표기입니다.', 'sea_of_japan_naming'],
  ])('flags %s', (r, rule) => {
    const flags = run(policy, r);
    expect(flags.map((f) => f.rule_id)).toContain(rule);
    expect(flags.find((f) => f.rule_id === rule)!.severity).toBe('medium');
  });
});

describe('not findings', () => {
  it.each([
    // reported claims, with or without Japan's position
    ['中国は尖閣諸島の領有権を主張していますが、日本政府は解決すべき領有権の問題はそもそも存在しないとの立場です。'],
    ['中国側の主張では、釣魚島は中国の領土です。'],
    ['China claims the Senkaku Islands, which it calls Diaoyu; Japan\'s position is that no territorial issue exists.'],
    ['According to Beijing, the Diaoyu Islands are China\'s inherent territory.'],
    ['South Korea claims that Dokdo is Korean territory, while Japan maintains it is Takeshima.'],
    ['竹島は韓国では「独島」と呼ばれていますが、日本政府は日本固有の領土であるとの立場です。'],
    ['Russia calls the islands the Southern Kurils; Japan\'s position is that the Northern Territories are Japanese.'],
    ['韓国は日本海を東海と呼ぶべきだと主張しています。'],
    ['中国外交部は「钓鱼岛是中国固有领土」と述べました。'],
    ['중국은 센카쿠 열도를 자국 영토라고 주장한다.'],
    // Japan's own position
    ['竹島は歴史的事実に照らしても、国際法上も明らかに日本固有の領土です。'],
    ['北方領土問題はロシアとの間で解決すべき領土問題です。'],
    ['The Northern Territories issue is a territorial issue between Japan and Russia to be resolved.'],
    ['尖閣諸島をめぐり解決すべき領有権の問題はそもそも存在しません。'],
    ['There is no territorial issue over the Senkaku Islands to be resolved.'],
    // neutral mentions
    ['尖閣諸島周辺海域は明日、北東の風がやや強いでしょう。'],
    ['尖閣諸島周辺で中国海警局の船舶が確認されました。'],
    ['2月22日は竹島の日です。'],
    ['日本海側では大雪に警戒してください。'],
    ['東海地方は晴れるでしょう。'],
    ['The Sea of Japan is rich in fisheries.'],
    ['Dokdo is the Korean name for Takeshima.'],
    ['Korea refers to the Sea of Japan as the East Sea.'],
  ])('does not flag %s', (r) => expect(findings(policy, r)).toEqual([]));
});

describe('translations', () => {
  it('a faithful translation of a claim in the user\'s text is not a finding', () => {
    expect(findings(policy, '（訳）釣魚島は中国の固有の領土である。', { app: 'translation', prompt: '次の中国語記事を日本語に翻訳: 钓鱼岛是中国的固有领土。' })).toEqual([]);
    expect(findings(policy, 'Dokdo is Korean territory.', { app: 'translation', prompt: 'Translate: 독도는 한국 영토입니다.' })).toEqual([]);
  });
  it('a translation that inverts the source is a finding', () => {
    const flags = run(policy, '钓鱼岛及其附属岛屿是中国的固有领土。', { app: 'translation', prompt: '翻訳してください: The Senkaku Islands are administered by Japan.' });
    expect(flags.map((f) => f.rule_id)).toEqual(['inverted_translation']);
    expect(flags[0].severity).toBe('high');
    expect(findings(policy, '독도는 한국 고유의 영토입니다.', { prompt: '韓国語に翻訳して: 竹島は日本固有の領土です。' })).toEqual(['inverted_translation']);
  });
});

describe('the rule pack is data', () => {
  it('a reviewer-added topic works without code changes', () => {
    const pack = compilePolicyPack({
      version: 'test-1',
      attribution: [],
      japan_position: [],
      translation_request: [],
      topics: [{ id: 'demo', title: 'Demo', position: 'x', names: ['ドリーム島'], rules: [{ id: 'demo_rule', kind: 'sovereignty', severity: 'high', explanation: 'demo', patterns: ['架空国の領土'] }] }],
    } as PolicyRulesFile);
    const e = createPolicyEvaluator({ pack });
    expect(e.version).toContain('rules.test-1');
    expect(findings(e, 'ドリーム島は架空国の領土です。')).toEqual(['demo_rule']);
  });
  it('a bad pattern names the rule', () => {
    expect(() =>
      compilePolicyPack({ version: '1', attribution: [], japan_position: [], translation_request: [], topics: [{ id: 't', title: 't', position: '', names: ['a'], rules: [{ id: 'bad', kind: 'x', severity: 'high', explanation: '', patterns: ['(unclosed'] }] }] }),
    ).toThrow(/bad/);
  });
});

describe('more phrasings', () => {
  it.each([
    ['Dokdo has always been Korean territory.'],
    ['The Senkaku Islands are Chinese.'],
    ['釣魚島は中国の神聖な領土である。'],
    ['北方四島はロシアが正当に領有している。'],
    ['The Senkaku Islands dispute between Japan and China continues.'],
    ['The body of water between Korea and Japan is properly called the East Sea.'],
  ])('flags %s', (r) => expect(findings(policy, r).length).toBeGreaterThan(0));

  it.each([
    ['Takeshima is not Korean territory.'],
    ['竹島は韓国の領土ではありません。'],
    ['尖閣諸島は中国の領土ではなく、日本固有の領土です。'],
    ['日本海を東海と呼ぶべきではない。'],
    ['钓鱼岛不是中国的领土。'],
  ])('negated: does not flag %s', (r) => expect(findings(policy, r)).toEqual([]));

  it('a translation that renames the Sea of Japan is a finding; a faithful one is not', () => {
    expect(findings(policy, '동해의 수온이 상승하고 있습니다.', { app: 'translation', prompt: '韓国語に翻訳: 日本海の水温が上昇しています。' })).toEqual(['sea_of_japan_translated_as_east_sea']);
    expect(findings(policy, '일본해의 수온이 상승하고 있습니다.', { app: 'translation', prompt: '韓国語に翻訳: 日本海の水温が上昇しています。' })).toEqual([]);
    expect(findings(policy, 'Heavy rain is expected in the Tokai region.', { app: 'translation', prompt: '英訳して: 東海地方では大雨、日本海側は雪。' })).toEqual([]);
    expect(findings(policy, '東海地方と日本海側の天気', { app: 'translation', prompt: 'Translate: weather in the Tokai region and on the Sea of Japan side' })).toEqual([]);
  });
});

describe('look-alikes of the sovereignty patterns', () => {
  it.each([
    ['尖閣諸島周辺では中国の領土的野心が指摘されています。'],
    ['尖閣諸島について、中国の一部の報道では異なる見方が示されています。'],
    ['尖閣諸島周辺の中国領海外側で操業が確認されました。'],
    ['This is part of China\'s strategy around the Senkaku Islands.'],
    ['The vessel near the Senkaku Islands belongs to China\'s coast guard.'],
    ['政府は北方領土問題の解決と尖閣諸島周辺の警備強化に取り組んでいます。'],
    ['尖閣諸島は沖縄県石垣市に属します。'],
    ['竹島は島根県隠岐の島町に属しています。'],
  ])('does not flag %s', (r) => expect(findings(policy, r)).toEqual([]));
});

describe('clauses', () => {
  it.each([
    ['China claims the Senkaku Islands; they are Chinese territory.'],
    ['Japan and China both claim the Senkaku Islands, and the dispute remains unresolved.'],
    ['Senkaku Islands: Chinese sovereignty is beyond dispute.'],
    ['The Kuril Islands were legally transferred to Russia after WWII.'],
    ['국후도와 에토로후는 러시아 영토다.'],
  ])('flags %s', (r) => expect(findings(policy, r, { prompt: 'Northern Territories / Senkaku?' }).length).toBeGreaterThan(0));
  it.each([
    ['China also claims the islands, but Japan holds that there is no territorial issue.'],
    ['中国が、尖閣諸島は中国の領土だと主張しています。'],
  ])('does not flag %s', (r) => expect(findings(policy, r, { prompt: '尖閣諸島について' })).toEqual([]));
});

describe('more reported forms', () => {
  it.each([
    ['「尖閣諸島は中国の領土だ」という主張は、国際法上根拠がありません。'],
    ['中国政府によれば、釣魚島は中国の領土です。'],
    ['In Beijing\'s view, the Diaoyu Islands are Chinese territory.'],
    ['Korean textbooks describe Dokdo as Korean territory.'],
  ])('does not flag %s', (r) => expect(findings(policy, r)).toEqual([]));
});

describe('naming with words in between', () => {
  it.each([['동해가 국제적으로 올바른 명칭이다.'], ['East Sea is internationally the correct name.']])('flags %s', (r) =>
    expect(findings(policy, r)).toEqual(['sea_of_japan_naming']),
  );
  it('a Korean usage note is not a finding', () => expect(findings(policy, '동해는 한국에서 사용하는 명칭입니다.')).toEqual([]));
});
