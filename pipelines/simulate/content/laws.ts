// Law citations for simulated answers, drawn from the evaluators' own seed catalog so that correct
// citations are really correct (number and article range) and planted errors are provably wrong.
import { SEED_LAW_CATALOG, type LawEntry } from '../../../contracts/law-catalog.ts';
import type { Rng } from '../prng.ts';
import { toFullWidthDigits, toKanjiNumber } from '../numbers.ts';

/** A seed law the simulator can cite in every form: with an era number and an English title. */
export type Law = LawEntry & { title_en: string; era: string; era_year: number; year: number; number_ja: string };
const citable = (l: LawEntry): l is Law => l.title_en !== null && l.era !== null && l.era_year !== null && l.year !== null && l.number_ja !== null;

export const LAWS: readonly Law[] = SEED_LAW_CATALOG.laws.filter(citable);

/** Laws with a number, in force: the only ones a correct answer cites with 第N号. */
export const CURRENT_NUMBERED = LAWS.filter((l) => l.status === 'current' && l.number !== null && l.kind === '法律');
export const WITH_LAST_ARTICLE = LAWS.filter((l) => l.status === 'current' && l.last_article !== null);
export const REPEALED = LAWS.filter((l) => l.status === 'repealed');

/** Articles we are sure exist: within last_article where known, else a low number every Act of this kind has. */
export function safeArticle(rng: Rng, law: Law): number {
  return rng.int(1, law.last_article ?? 8);
}

/** A title as people write it: the formal title or, sometimes, its short alias. */
export function citedTitle(rng: Rng, law: Law): string {
  return law.aliases.length > 0 && rng.chance(0.4) ? rng.pick(law.aliases) : law.title;
}

export function formatArticle(rng: Rng, n: number): string {
  const style = rng.next();
  if (style < 0.6) return `第${n}条`;
  if (style < 0.8) return `第${toFullWidthDigits(String(n))}条`;
  return `第${toKanjiNumber(n)}条`;
}

/** Another number in the law's own era and year: right shape, wrong Act. */
export function wrongNumberJa(rng: Rng, law: Law): string {
  const real = law.number!;
  let wrong = real;
  while (wrong === real || wrong < 1) wrong = real + rng.pick([-3, -2, -1, 1, 2, 3, 7, 10, 11, 20]);
  return `${law.era}${law.era_year}年法律第${wrong}号`;
}

/** Well-known provisions with what they say, for answers that read like real legal research. */
export const KNOWN_PROVISIONS: ReadonlyArray<{ title: string; article: number; gist: string }> = [
  { title: '民法', article: 709, gist: '故意又は過失によって他人の権利又は法律上保護される利益を侵害した者の損害賠償責任' },
  { title: '民法', article: 1, gist: '私権は公共の福祉に適合しなければならないこと等の基本原則' },
  { title: '日本国憲法', article: 25, gist: '健康で文化的な最低限度の生活を営む権利' },
  { title: '日本国憲法', article: 41, gist: '国会が国権の最高機関であって唯一の立法機関であること' },
  { title: '行政手続法', article: 5, gist: '申請に対する処分の審査基準を定め、公にしておくこと' },
  { title: '行政手続法', article: 8, gist: '申請を拒否する処分をする場合の理由の提示' },
  { title: '行政手続法', article: 39, gist: '命令等を定める場合の意見公募手続' },
  { title: '国家賠償法', article: 1, gist: '公権力の行使に当たる公務員が職務上違法に他人に損害を加えた場合の国又は公共団体の賠償責任' },
  { title: '行政不服審査法', article: 2, gist: '行政庁の処分に不服がある者の審査請求' },
  { title: '行政事件訴訟法', article: 14, gist: '取消訴訟の出訴期間' },
  { title: '刑法', article: 199, gist: '殺人の罪' },
  { title: '会社法', article: 2, gist: '用語の定義' },
  { title: '民事訴訟法', article: 1, gist: '法律の趣旨' },
  { title: '教育基本法', article: 1, gist: '教育の目的' },
];

export function lawByTitle(title: string): Law {
  const law = LAWS.find((l) => l.title === title);
  if (!law) throw new Error(`law ${title} is not in the seed law catalog (contracts/reference/laws.json)`);
  return law;
}

/** A correct citation with its number and an article in range; English now and then. */
export function correctCitation(rng: Rng, english = false): { text: string; law: Law; article: number } {
  if (!english && rng.chance(0.45)) {
    const p = rng.pick(KNOWN_PROVISIONS);
    const law = lawByTitle(p.title);
    const text = `${withNumber(rng, law)}${formatArticle(rng, p.article)}は、${p.gist}について定めています`;
    return { text, law, article: p.article };
  }
  const law = rng.pick(CURRENT_NUMBERED);
  const article = safeArticle(rng, law);
  if (english && law.number_en) {
    return { text: `Article ${article} of the ${law.title_en} (${law.number_en})`, law, article };
  }
  return { text: `${withNumber(rng, law)}${formatArticle(rng, article)}`, law, article };
}

/** 民法（明治29年法律第89号）; the Constitution has no Act number, so it is cited by title alone. */
export function withNumber(rng: Rng, law: Law): string {
  return law.number === null ? citedTitle(rng, law) : `${citedTitle(rng, law)}（${law.number_ja}）`;
}

/** The URL of a law on e-Gov 法令検索, as a RAG source would carry it. */
export function egovUrl(rng: Rng, law: Law): string {
  const yearCode = String(law.era === '令和' ? 5 : law.era === '平成' ? 4 : law.era === '昭和' ? 3 : 2) + String(law.era_year).padStart(2, '0');
  return `https://laws.e-gov.go.jp/law/${yearCode}AC${rng.chance(0.5) ? '0' : '1'}000000${String(law.number ?? 0).padStart(3, '0')}`;
}
