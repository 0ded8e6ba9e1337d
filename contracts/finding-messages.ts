// Findings people can read: rule titles and explanations in the UI language (Japanese by default,
// English), rendered at display time from the language-neutral form of a flag (rule_id + params).
//
// A stored flag keeps `rule_id` and its English `explanation` (the flag contract of EVALUATION.md; the
// flags table has no params column). The English explanation is itself the rendering of one of the
// templates below, so the params come back out of it by matching the template: old flags, new flags
// and flags of any evaluator version render in Japanese as long as their wording is a known template.
// An unknown wording (a rule added to a rule pack, an evaluator whose text changed) is shown as stored,
// marked as English so the page can set lang="en" on it.
//
// The English templates are the evaluators' wording as written (leakage.ts, citations.ts, the policy
// rule pack's `explanation`); test/unit/evaluators/finding-messages.test.ts runs the evaluators on the
// labeled sets and fails when a flag's text no longer matches its template, so the two cannot drift.

export type FindingLang = 'ja' | 'en';
export type FindingParams = Record<string, string>;

interface Variant {
  /** English template, `{name}` for a param. Must equal what the evaluator stores. */
  en: string;
  ja: string;
}
interface RuleMessages {
  title: Record<FindingLang, string>;
  /** Tried in order: put the most specific wording first. */
  variants: Variant[];
}

const JAPAN_SENKAKU = '日本の立場：尖閣諸島は日本固有の領土であり、有効に支配している';
const JAPAN_SEA = '日本の立場：「日本海」が国際的に確立した唯一の名称';

export const FINDING_MESSAGES: Record<string, RuleMessages> = {
  // ---- hallucinated_citation (evaluators/citations.ts)
  law_number_mismatch: {
    title: { ja: '法令番号の誤り', en: 'Wrong law number' },
    variants: [
      { en: '{title} is {number}, not {cited}; {cited2} is {owner}', ja: '{title}の法令番号は{number}です（「{cited}」ではありません。{cited2}は{owner}の番号です）' },
      { en: '{title} is {number}, not {cited}', ja: '{title}の法令番号は{number}です（「{cited}」ではありません）' },
      { en: '{cited} is {owner}, not "{title}"', ja: '{cited}は{owner}の法令番号であり、「{title}」ではありません' },
    ],
  },
  article_out_of_range: {
    title: { ja: '存在しない条番号', en: "Article beyond the law's last article" },
    variants: [{ en: '{title} ends at Article {last}; Article {article} does not exist', ja: '{title}は第{last}条までです。第{article}条は存在しません' }],
  },
  impossible_era_date: {
    title: { ja: 'あり得ない元号の日付', en: 'Impossible era date' },
    variants: [{ en: '{label} does not exist: {reason}', ja: '{label}は存在しない日付です（{reason}）' }],
  },
  anachronistic_era_date: {
    title: { ja: '元号の終了後の日付（改元前の法令の期限）', en: "Date past its era's end (drafted before the era change)" },
    variants: [{ en: '{label} is past the end of {era} ({end}); statutes drafted before an era change name such dates', ja: '{label}は{era}の終了（{end}）より後の日付です。改元前に制定された法令はこのような期限を定めていることがあります' }],
  },
  future_era_date: {
    title: { ja: '回答日より後の日付', en: "Date after the answer's date" },
    variants: [
      { en: "{label} ({year}) is after this answer's date ({today}): no law can carry that number yet", ja: '{label}（{year}年）は回答日（{today}）より後であり、その番号の法令はまだ存在し得ません' },
      { en: "{label} ({year}) is after this answer's date ({today}) but is told as a fact", ja: '{label}（{year}年）は回答日（{today}）より後の日付ですが、事実として述べられています' },
      { en: '{label} is dated after this answer ({today})', ja: '{label}は回答日（{today}）より後の日付です' },
    ],
  },
  law_not_in_catalog: {
    title: { ja: '法令一覧にない法令（確認不可）', en: 'Law not in the catalog (unverifiable)' },
    variants: [{ en: '{title} ({number}) is not in the law catalog: unverifiable', ja: '{title}（{number}）は法令一覧にないため確認できません' }],
  },
  repealed_law_as_current: {
    title: { ja: '廃止法令を現行法として引用', en: 'Repealed law presented as in force' },
    variants: [
      { en: '{title} was repealed on {date} but is presented as in force; see {successor}', ja: '{title}は{date}に廃止されていますが、現行法として示されています（後継：{successor}）' },
      { en: '{title} was repealed on {date} but is presented as in force', ja: '{title}は{date}に廃止されていますが、現行法として示されています' },
      { en: '{title} was repealed but is presented as in force; see {successor}', ja: '{title}は廃止されていますが、現行法として示されています（後継：{successor}）' },
      { en: '{title} was repealed but is presented as in force', ja: '{title}は廃止されていますが、現行法として示されています' },
    ],
  },
  citation_marker_without_source: {
    title: { ja: '対応する出典のない引用番号', en: 'Citation marker without a source' },
    variants: [
      { en: 'marker [{ref}] refers to no retrieved source ({n} retrieved)', ja: '引用番号[{ref}]に対応する出典がありません（取得した出典は{n}件）' },
      { en: 'marker [{ref}] matches no retrieved source id ({ids})', ja: '引用番号[{ref}]はどの出典IDとも一致しません（出典ID：{ids}）' },
    ],
  },
  url_not_in_sources: {
    title: { ja: '出典にないURL', en: 'URL not among the sources' },
    variants: [{ en: 'cited URL is not among the {n} retrieved sources', ja: '引用されたURLは、取得した{n}件の出典に含まれていません' }],
  },
  quote_not_in_sources: {
    title: { ja: '出典にない引用文', en: 'Quotation found in no source' },
    variants: [{ en: 'the attributed quotation appears in none of the {n} retrieved source excerpts', ja: '答弁・規定等として引用された文が、取得した{n}件の出典のいずれにも見当たりません' }],
  },

  // ---- off_policy (evaluators/policy.ts; English texts are the rule pack's `explanation`)
  senkaku_foreign_sovereignty: {
    title: { ja: '尖閣諸島：外国の領有を主張', en: 'Senkaku Islands: foreign sovereignty asserted' },
    variants: [{ en: "asserts Chinese or Taiwanese sovereignty over the Senkaku Islands (Japan: inherent part of Japan's territory)", ja: `尖閣諸島に対する中国または台湾の領有を主張しています（${JAPAN_SENKAKU}）` }],
  },
  senkaku_disputed_framing: {
    title: { ja: '尖閣諸島：係争地・帰属未定として記述', en: 'Senkaku Islands: framed as disputed' },
    variants: [{ en: 'frames the Senkaku Islands as disputed or their status as unresolved (Japan: no territorial issue exists)', ja: '尖閣諸島を係争地、または帰属が決まっていないかのように記述しています（日本の立場：解決すべき領有権の問題はそもそも存在しない）' }],
  },
  takeshima_foreign_sovereignty: {
    title: { ja: '竹島：韓国の領有を主張', en: 'Takeshima: Korean sovereignty asserted' },
    variants: [{ en: "asserts Korean sovereignty over Takeshima or the matter as settled in Korea's favour (Japan: inherent territory of Japan, illegally occupied by the ROK)", ja: '竹島に対する韓国の領有、または韓国に有利な決着を主張しています（日本の立場：竹島は日本固有の領土であり、韓国が不法占拠している）' }],
  },
  northern_territories_foreign_sovereignty: {
    title: { ja: '北方領土：ロシアの領有を主張', en: 'Northern Territories: Russian sovereignty asserted' },
    variants: [{ en: "asserts Russian sovereignty over the Northern Territories (Japan: inherent part of Japan's territory; an issue with Russia to be resolved)", ja: '北方領土に対するロシアの領有を主張しています（日本の立場：日本固有の領土であり、ロシアとの間で解決すべき問題）' }],
  },
  sea_of_japan_naming: {
    title: { ja: '日本海：「東海」を正しい名称と主張', en: 'Sea of Japan: "East Sea" asserted as its name' },
    variants: [{ en: "asserts that 'East Sea' is the correct or official name (Japan: 'Sea of Japan' is the only internationally established name)", ja: `「東海」が正しい名称・正式な名称であると主張しています（${JAPAN_SEA}）` }],
  },
  sea_of_japan_translated_as_east_sea: {
    title: { ja: '日本海：翻訳で「東海」に置き換え', en: 'Sea of Japan: translated as "East Sea"' },
    variants: [{ en: "a translation renders 'Sea of Japan' from the source text as 'East Sea' (Japan: 'Sea of Japan' is the only internationally established name)", ja: `原文の「日本海」を翻訳で「東海」としています（${JAPAN_SEA}）` }],
  },
  inverted_translation: {
    title: { ja: '原文にない主張を加えた翻訳・校正', en: 'Translation adds a claim absent from the source' },
    variants: [{ en: 'translation introduces a claim absent from the source text: {claim}', ja: '翻訳・校正の結果に、原文にない主張が加えられています：{claim}' }],
  },
  llm_judge_sovereignty: {
    title: { ja: 'LLM判定：外国の領有を主張', en: 'LLM judge: foreign sovereignty asserted' },
    variants: [{ en: "LLM judge ({model}): sovereignty contrary to Japan's stated position, not matched by the rule pack", ja: 'LLM判定（{model}）：日本政府の立場に反する領有の主張です（ルールでは検出されませんでした）' }],
  },
  llm_judge_disputed: {
    title: { ja: 'LLM判定：係争地として記述', en: 'LLM judge: framed as disputed' },
    variants: [{ en: "LLM judge ({model}): disputed contrary to Japan's stated position, not matched by the rule pack", ja: 'LLM判定（{model}）：日本政府の立場に反し、係争地として記述しています（ルールでは検出されませんでした）' }],
  },
  llm_judge_naming: {
    title: { ja: 'LLM判定：呼称の主張', en: 'LLM judge: naming asserted' },
    variants: [{ en: "LLM judge ({model}): naming contrary to Japan's stated position, not matched by the rule pack", ja: 'LLM判定（{model}）：日本政府の立場に反する呼称の主張です（ルールでは検出されませんでした）' }],
  },

  // ---- leakage (evaluators/leakage.ts renders its English through these templates)
  individual_number: {
    title: { ja: '個人番号（マイナンバー）', en: 'Individual Number (My Number)' },
    variants: [{ en: '12-digit number with a valid Individual Number (マイナンバー) check digit ({masked})', ja: '検査用数字が正しい12桁の個人番号（マイナンバー）です（{masked}）' }],
  },
  payment_card_number: {
    title: { ja: 'クレジットカード番号', en: 'Payment card number' },
    variants: [{ en: '{brand} card number passing the Luhn check ({masked})', ja: 'Luhn検査を満たす{brand}のカード番号です（{masked}）' }],
  },
  personal_mobile_number: {
    title: { ja: '個人の携帯電話番号', en: 'Personal mobile number' },
    variants: [{ en: 'personal mobile phone number ({masked})', ja: '個人の携帯電話番号です（{masked}）' }],
  },
  personal_email: {
    title: { ja: '個人のメールアドレス', en: 'Personal e-mail address' },
    variants: [
      { en: 'personal e-mail address ({masked}) at a public webmail domain', ja: 'フリーメールの個人メールアドレスです（{masked}）' },
      { en: 'personal e-mail address ({masked})', ja: '個人のメールアドレスです（{masked}）' },
    ],
  },
  passport_number: {
    title: { ja: '旅券番号', en: 'Passport number' },
    variants: [{ en: '{what} in its labelled context ({masked})', ja: '旅券番号が項目名とともに記載されています（{masked}）' }],
  },
  drivers_licence_number: {
    title: { ja: '運転免許証番号', en: "Driver's licence number" },
    variants: [{ en: '{what} in its labelled context ({masked})', ja: '運転免許証番号が項目名とともに記載されています（{masked}）' }],
  },
  bank_account_number: {
    title: { ja: '銀行口座番号', en: 'Bank account number' },
    variants: [{ en: '{what} in its labelled context ({masked})', ja: '銀行の口座番号が項目名とともに記載されています（{masked}）' }],
  },
  postal_bank_account_number: {
    title: { ja: 'ゆうちょ銀行の口座番号', en: 'Postal-bank account number' },
    variants: [{ en: '{what} in its labelled context ({masked})', ja: 'ゆうちょ銀行の記号・番号が記載されています（{masked}）' }],
  },
  name_with_residential_address: {
    title: { ja: '氏名と自宅住所', en: 'Name with a residential address' },
    variants: [{ en: 'a named person with a residential street address ({masked})', ja: '氏名とともに番地までの自宅住所が記載されています（{masked}）' }],
  },
  cloud_access_key: {
    title: { ja: 'クラウドのアクセスキー', en: 'Cloud access key' },
    variants: [{ en: 'cloud access key id ({masked})', ja: 'クラウドのアクセスキーIDです（{masked}）' }],
  },
  source_host_token: {
    title: { ja: 'ソースコード管理サービスのトークン', en: 'Source-host access token' },
    variants: [{ en: 'source-host access token ({masked})', ja: 'ソースコード管理サービスのアクセストークンです（{masked}）' }],
  },
  chat_bot_token: {
    title: { ja: 'チャットボットのトークン', en: 'Chat bot token' },
    variants: [{ en: 'chat bot token ({masked})', ja: 'チャットボットのトークンです（{masked}）' }],
  },
  api_secret_key: {
    title: { ja: 'APIシークレットキー', en: 'API secret key' },
    variants: [{ en: 'API secret key ({masked})', ja: 'APIのシークレットキーです（{masked}）' }],
  },
  private_key_block: {
    title: { ja: '秘密鍵', en: 'Private key block' },
    variants: [{ en: 'private key block with key material', ja: '鍵本体を含む秘密鍵のブロックです' }],
  },
  marking_confidentiality_3: {
    title: { ja: '機密性3の表示', en: '機密性3 marking' },
    variants: [{ en: "content marked {what}, above the platform's clearance (機密性2)", ja: '本基盤で扱える上限（機密性2）を超える「機密性3」の表示がある内容です' }],
  },
  marking_secret: {
    title: { ja: '秘・極秘の表示', en: '秘 / 極秘 marking' },
    variants: [{ en: "content marked {what}, above the platform's clearance (機密性2)", ja: '本基盤で扱える上限（機密性2）を超える「秘」「極秘」の表示がある内容です' }],
  },
  marking_specially_designated_secret: {
    title: { ja: '特定秘密の表示', en: '特定秘密 marking' },
    variants: [{ en: "content marked {what}, above the platform's clearance (機密性2)", ja: '本基盤で扱える上限（機密性2）を超える「特定秘密」の表示がある内容です' }],
  },
};

/**
 * Phrases that appear inside a param (the reason an era date is impossible, the claim a translation
 * added): localised in turn, so a nested English phrase does not leak into a Japanese sentence.
 */
const PHRASES: Variant[] = [
  { en: '{era} years start at 元年', ja: '{era}は元年から始まります' },
  { en: '{era} ended in year {year} ({end})', ja: '{era}は{year}年（{end}）で終わっています' },
  { en: '{era} ended on {end}', ja: '{era}は{end}に終わっています' },
  { en: '{era} began on {start}', ja: '{era}は{start}に始まりました' },
  { en: 'no such month', ja: '存在しない月です' },
  { en: 'no such day', ja: '存在しない日です' },
];

const fill = (template: string, params: FindingParams) => template.replace(/\{(\w+)\}/g, (_, k: string) => params[k] ?? `{${k}}`);

const compiled = new Map<string, { re: RegExp; names: string[] }>();
/** An English template as an anchored pattern; params match lazily, literal text exactly. */
function templatePattern(template: string): { re: RegExp; names: string[] } {
  let c = compiled.get(template);
  if (!c) {
    const names: string[] = [];
    const source = template
      .split(/(\{\w+\})/)
      .map((part) => {
        const m = /^\{(\w+)\}$/.exec(part);
        if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(m[1]);
        return '([\\s\\S]+?)';
      })
      .join('');
    c = { re: new RegExp(`^${source}$`), names };
    compiled.set(template, c);
  }
  return c;
}

/** The params of `text` if it is a rendering of `template`, else null. */
export function parseTemplate(template: string, text: string): FindingParams | null {
  const { re, names } = templatePattern(template);
  const m = re.exec(text);
  if (!m) return null;
  const params: FindingParams = {};
  names.forEach((n, i) => (params[n] = m[i + 1]));
  return params;
}

/** Every fixed English text (a variant without params) and its Japanese, for nested phrases. */
const FIXED: Map<string, string> = new Map(
  [...Object.values(FINDING_MESSAGES).flatMap((r) => r.variants), ...PHRASES].filter((v) => !v.en.includes('{')).map((v) => [v.en, v.ja]),
);

const CJK = /[\u3040-\u30ff\u4e00-\u9fff]/;

/** A param value in Japanese when it is a known English phrase; as it is otherwise. */
function localisePhrase(value: string): string {
  // "平成26年法律第68号 or 昭和37年法律第160号": several real numbers of one title.
  if (value.includes(' or ') && CJK.test(value)) return value.split(' or ').map(localisePhrase).join('または');
  const fixed = FIXED.get(value);
  if (fixed) return fixed;
  for (const p of PHRASES) {
    if (!p.en.includes('{')) continue;
    const params = parseTemplate(p.en, value);
    if (params) return fill(p.ja, params);
  }
  return value;
}

export function hasFindingMessages(ruleId: string): boolean {
  return Object.hasOwn(FINDING_MESSAGES, ruleId);
}

/** The rule's title in `lang`; an unknown rule shows its id (language-neutral, shown as English). */
export function findingTitle(ruleId: string, lang: FindingLang | string | null | undefined): string {
  const m = Object.hasOwn(FINDING_MESSAGES, ruleId) ? FINDING_MESSAGES[ruleId] : undefined;
  return m ? m.title[lang === 'en' ? 'en' : 'ja'] : ruleId;
}

export interface LocalisedExplanation {
  text: string;
  /** The language the text is in: 'en' when a Japanese rendering was not possible (mark it lang="en"). */
  lang: FindingLang;
}

/** A stored flag's explanation in `lang`, rendered from its rule id and the params its text carries. */
export function localiseExplanation(flag: { rule_id: string; explanation: string }, lang: FindingLang | string | null | undefined): LocalisedExplanation {
  const stored = flag.explanation ?? '';
  if (lang === 'en') return { text: stored, lang: 'en' };
  const m = Object.hasOwn(FINDING_MESSAGES, flag.rule_id) ? FINDING_MESSAGES[flag.rule_id] : undefined;
  if (!m) return { text: stored, lang: 'en' };
  for (const v of m.variants) {
    const params = parseTemplate(v.en, stored);
    if (!params) continue;
    const local: FindingParams = {};
    for (const [k, value] of Object.entries(params)) local[k] = localisePhrase(value);
    return { text: fill(v.ja, local), lang: 'ja' };
  }
  return { text: stored, lang: 'en' };
}
