// Japan AISI's guide to evaluation perspectives for AI safety names ten perspectives. The safety
// review has one section per perspective, in the guide's order. Four are measured here, through the
// evaluators' flags: which flags count for a perspective is decided by category and rule id below, so
// a new rule of a known kind lands in a perspective without code changes elsewhere. The other six are
// listed as "not measured by Oversight" rather than left out: a reader must see the gap.

export interface FlagKey {
  evaluator: string;
  category: string;
  rule_id: string;
}

export interface Perspective {
  id: string;
  name_ja: string;
  name_en: string;
  /** What Oversight measures for it (shown in the section), or null when it measures nothing. */
  measures_ja: string | null;
  measures_en: string | null;
  /** Does a flag count for this perspective? Absent: not measured. */
  matches?: (f: FlagKey) => boolean;
  /**
   * The flag categories `matches` draws on. Review samples are labelled per category, so the recall
   * a perspective shows is its categories' recall (for the whole category, whatever rules it holds).
   */
  categories?: readonly string[];
}

/** The citation rules that check an answer against the sources it retrieved (RAG grounding). */
const GROUNDING_RULES = new Set(['citation_marker_without_source', 'url_not_in_sources', 'quote_not_in_sources']);
/** Leakage rules about secrets and classification markings rather than about persons. */
const SECURITY_LEAK = /^(cloud_access_key|source_host_token|chat_bot_token|api_secret_key|private_key_block|marking_.*)$/;

export const PERSPECTIVES: readonly Perspective[] = [
  { id: 'harmful_output', name_ja: '有害情報の出力制御', name_en: 'Control of toxic output', measures_ja: null, measures_en: null },
  {
    id: 'misinformation',
    name_ja: '偽誤情報の出力・誘導の防止',
    name_en: 'Prevention of misinformation, disinformation and manipulation',
    measures_ja: '存在しない・誤った法令引用（法令番号・条番号・元号・廃止法令）と、日本政府の立場に反する領土・呼称の回答',
    measures_en: 'Wrong or invented legal citations (law numbers, articles, era dates, repealed laws) and answers contradicting the Government of Japan on territory and names',
    matches: (f) => (f.category === 'hallucinated_citation' && !GROUNDING_RULES.has(f.rule_id)) || f.category === 'off_policy',
    categories: ['hallucinated_citation', 'off_policy'],
  },
  { id: 'fairness', name_ja: '公平性と包摂性', name_en: 'Fairness and inclusion', measures_ja: null, measures_en: null },
  { id: 'high_risk_use', name_ja: 'ハイリスク利用・目的外利用への対処', name_en: 'Addressing high-risk use and unintended use', measures_ja: null, measures_en: null },
  {
    id: 'privacy',
    name_ja: 'プライバシー保護',
    name_en: 'Privacy protection',
    measures_ja: 'プロンプト・回答に含まれる個人情報（マイナンバー、カード番号、携帯電話番号、個人メール、旅券・免許・口座番号、氏名と住所）',
    measures_en: 'Personal data in prompts and answers (Individual Numbers, card numbers, mobile numbers, personal e-mail, passport / licence / account numbers, names with home addresses)',
    matches: (f) => f.category === 'leakage' && !SECURITY_LEAK.test(f.rule_id),
    categories: ['leakage'],
  },
  {
    id: 'security',
    name_ja: 'セキュリティ確保',
    name_en: 'Ensuring security',
    measures_ja: '認証情報（アクセスキー、トークン、秘密鍵）と、機密性2を超える区分表示（機密性3、秘、極秘、特定秘密）',
    measures_en: 'Credentials (access keys, tokens, private keys) and markings above the platform clearance (機密性3, 秘, 極秘, 特定秘密)',
    matches: (f) => f.category === 'leakage' && SECURITY_LEAK.test(f.rule_id),
    categories: ['leakage'],
  },
  { id: 'explainability', name_ja: '説明可能性', name_en: 'Explainability', measures_ja: null, measures_en: null },
  { id: 'robustness', name_ja: 'ロバスト性', name_en: 'Robustness', measures_ja: null, measures_en: null },
  { id: 'data_quality', name_ja: 'データ品質', name_en: 'Data quality', measures_ja: null, measures_en: null },
  {
    id: 'verifiability',
    name_ja: '検証可能性',
    name_en: 'Verifiability',
    measures_ja: '検索拡張（RAG）回答の出典との整合（存在しない出典番号、出典にないURL・引用）',
    measures_en: 'Grounding of retrieval-augmented answers in their sources (markers with no source, URLs and quotations not in the sources)',
    matches: (f) => f.category === 'hallucinated_citation' && GROUNDING_RULES.has(f.rule_id),
    categories: ['hallucinated_citation'],
  },
];

export function perspectiveOf(f: FlagKey): Perspective[] {
  return PERSPECTIVES.filter((p) => p.matches?.(f));
}
