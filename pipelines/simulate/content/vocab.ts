// Shared vocabulary for synthetic prompts and answers: policy themes, documents, people. Varied
// enough that dashboards and evaluators see realistic, non-repeating text.
import type { Rng } from '../prng.ts';

export interface Theme {
  ja: string;
  en: string;
}

export const THEMES: readonly Theme[] = [
  { ja: 'ガバメントクラウドへの移行', en: 'migration to the Government Cloud' },
  { ja: '生成AIの業務利用', en: 'use of generative AI in government work' },
  { ja: '少子化対策', en: 'measures against the declining birthrate' },
  { ja: '物価高騰への対応', en: 'the response to rising prices' },
  { ja: '防災・減災の取組', en: 'disaster prevention and mitigation' },
  { ja: '地方創生', en: 'regional revitalization' },
  { ja: '働き方改革', en: 'work-style reform' },
  { ja: 'デジタル人材の育成', en: 'developing digital talent' },
  { ja: '脱炭素社会の実現', en: 'achieving a decarbonized society' },
  { ja: '医療DXの推進', en: 'promoting digital transformation in healthcare' },
  { ja: '公文書管理の適正化', en: 'proper management of public records' },
  { ja: 'サイバーセキュリティ対策', en: 'cybersecurity measures' },
  { ja: '経済安全保障の確保', en: 'ensuring economic security' },
  { ja: 'インバウンド観光の振興', en: 'promoting inbound tourism' },
  { ja: '農林水産物・食品の輸出促進', en: 'promoting exports of agricultural products and food' },
  { ja: 'インフラ老朽化対策', en: 'measures for ageing infrastructure' },
  { ja: '行政手続のオンライン化', en: 'moving administrative procedures online' },
  { ja: '子ども・子育て支援', en: 'support for children and child-rearing' },
  { ja: '賃上げの促進', en: 'promoting wage increases' },
  { ja: '半導体産業の強化', en: 'strengthening the semiconductor industry' },
  { ja: 'スタートアップ支援', en: 'support for start-ups' },
  { ja: '国家公務員の人材確保', en: 'recruiting and retaining national public servants' },
  { ja: '再生可能エネルギーの導入拡大', en: 'expanding renewable energy' },
  { ja: '高齢者の見守り体制', en: 'community support for older people' },
  { ja: '外国人材の受入れ', en: 'accepting foreign workers' },
  { ja: '教育のデジタル化', en: 'digitalization of education' },
  { ja: '食料安全保障', en: 'food security' },
  { ja: '能登半島地震からの復旧・復興', en: 'recovery from the Noto Peninsula earthquake' },
];

export const AUDIENCES = ['職員', '新任職員', '管理職', '自治体担当者', '事業者', '一般の方', '関係省庁'] as const;
export const DIVISIONS = ['総務課', '政策課', '企画課', '情報システム室', '人事課', '会計課', '広報室', '政策評価室', '国際課', '法令審査室'] as const;
export const MINISTER_TITLES = [
  '内閣総理大臣', 'デジタル大臣', '財務大臣', '厚生労働大臣', '総務大臣', '国土交通大臣', '経済産業大臣', '農林水産大臣',
  '文部科学大臣', '環境大臣', '法務大臣', '外務大臣', '内閣官房長官', '政府参考人',
] as const;
export const COMMITTEES = [
  '衆議院予算委員会', '参議院予算委員会', '衆議院内閣委員会', '参議院内閣委員会', '衆議院総務委員会', '参議院総務委員会',
  '衆議院厚生労働委員会', '参議院厚生労働委員会', '衆議院国土交通委員会', '参議院財政金融委員会', '衆議院経済産業委員会',
  '参議院決算委員会', '衆議院本会議', '参議院本会議',
] as const;

export const SURNAMES = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤', '吉田', '山田', '佐々木', '山口', '松本', '井上', '木村', '林', '斎藤', '清水'] as const;
export const GIVEN_NAMES = ['大輔', '直樹', '健太', '翔太', '拓也', '美咲', '由美', '恵子', '陽子', '智子', '誠', '学', '彩', '千尋', '和也', '裕子'] as const;
export const ROMAJI_SURNAMES = ['sato', 'suzuki', 'takahashi', 'tanaka', 'ito', 'watanabe', 'yamamoto', 'nakamura', 'kobayashi', 'kato', 'yoshida', 'yamada'] as const;
export const ROMAJI_GIVEN = ['daisuke', 'naoki', 'kenta', 'shota', 'takuya', 'misaki', 'yumi', 'keiko', 'yoko', 'tomoko', 'makoto', 'aya'] as const;
export const CITIES = [
  '東京都世田谷区桜丘', '東京都練馬区石神井町', '神奈川県横浜市港北区日吉', '埼玉県さいたま市浦和区高砂', '千葉県船橋市本町',
  '東京都杉並区阿佐谷南', '神奈川県川崎市中原区小杉町', '東京都江東区豊洲', '千葉県柏市柏', '埼玉県川口市本町',
] as const;

export const MINISTRY_DOMAINS: Record<string, string> = {
  cas: 'cas.go.jp', cao: 'cao.go.jp', da: 'digital.go.jp', rc: 'reconstruction.go.jp', npa: 'npa.go.jp', ppc: 'ppc.go.jp',
  jftc: 'jftc.go.jp', fsa: 'fsa.go.jp', caa: 'caa.go.jp', cfa: 'cfa.go.jp', mic: 'soumu.go.jp', moj: 'moj.go.jp',
  mofa: 'mofa.go.jp', mof: 'mof.go.jp', mext: 'mext.go.jp', mhlw: 'mhlw.go.jp', maff: 'maff.go.jp', meti: 'meti.go.jp',
  mlit: 'mlit.go.jp', env: 'env.go.jp', nra: 'nra.go.jp', mod: 'mod.go.jp',
};

export function personName(rng: Rng): string {
  return rng.pick(SURNAMES) + rng.pick(GIVEN_NAMES);
}

/** A date in JST as 令和N年M月D日 (the era year is always valid: Reiwa began 2019-05-01). */
export function reiwaDate(year: number, month: number, day: number): string {
  const eraYear = year - 2018;
  return `令和${eraYear === 1 ? '元' : eraYear}年${month}月${day}日`;
}

export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => {
    if (!(k in vars)) throw new Error(`template variable {${k}} has no value`);
    return vars[k];
  });
}
