// hallucinated_citation: citations the model presents as fact that are provably wrong, checked
// against the law catalog, the era calendar (relative to the output's own date) and the sources
// retrieved for the answer. A law the catalog does not know is "unverifiable" (info), never a finding.
import {
  type Catalog,
  type Era,
  type LawEntry,
  describeNumber,
  gregorianYear,
  seedCatalog,
  numberKey,
  numberKeyEn,
  parseNumberJa,
} from './catalog.ts';
import { NUMERAL, bigramCoverage, bigrams, normalizeForMatch, parseNumeral, sentenceAt, sentences, type Span } from './text.ts';
import { type Evaluator, type EvaluatorInput, type Finding, type Flag, dedupeFindings, toFlag } from './types.ts';

const CATEGORY = 'hallucinated_citation';
export const CITATIONS_VERSION = '1.2.0';

// ---------------------------------------------------------------------------------------------
// Patterns. Every quantifier is bounded or over a class that cannot overlap its neighbour, so a
// 1 MB response stays linear.
const ERA_NAMES = '明治|大正|昭和|平成|令和';
// Joint ordinances (総理府令・建設省令, 国土交通省・環境省令) and the temporary series of 大正 (農商務省令臨) included.
const MINISTRY_ORDER = '(?:[\\u4E00-\\u9FFF]{1,12}?[省府]・){0,8}[\\u4E00-\\u9FFF]{1,12}?(?:省令|規則|府令)(?:・[\\u4E00-\\u9FFF]{1,12}?(?:省令|規則|府令))*臨?';
const LAW_KIND = `法律|政令|勅令|憲法|内閣府令|${MINISTRY_ORDER}|条例`;
const LAW_NUMBER_AFTER_YEAR = new RegExp(`^\\s?(?:${LAW_KIND})\\s?第`, 'u');
const LAW_NUMBER_JA = new RegExp(`(${ERA_NAMES})\\s?(元|${NUMERAL})\\s?年\\s?(${LAW_KIND})\\s?(?:第\\s?(${NUMERAL})\\s?号)?`, 'gu');
// Anchored copies for parsing at a known position (the global ones keep their scan state).
const LAW_NUMBER_JA_AT = new RegExp(`^${LAW_NUMBER_JA.source}`, 'u');
const LAW_NUMBER_EN = /\b(Act|Cabinet Order|Imperial Ordinance|Ordinance)\s+No\.?\s*(\d{1,4})\s+of\s+(\d{4})\b/gi;
const LAW_NUMBER_EN_AT = new RegExp(`^${LAW_NUMBER_EN.source}`, 'i');
const ERA_DATE = new RegExp(`(${ERA_NAMES})\\s?(元|${NUMERAL})\\s?年(?:度)?(?:\\s?(${NUMERAL})\\s?月(?:\\s?(${NUMERAL})\\s?日)?)?`, 'gu');
const ARTICLE_EN = /\b(?:Article|Art\.)\s*(\d{1,5})(?:\s*\(\d{1,3}\)|,?\s+(?:paragraph|item)\s+\d{1,3})*\s+of\s+(?:the\s+)?/gi;
const ARTICLE_AFTER_TITLE = new RegExp(`^\\s?(?:の\\s?)?(第\\s?)?(${NUMERAL})\\s?条(?:の(${NUMERAL}))?`, 'u');
const REPEALED_ARTICLE_AFTER = new RegExp(`^\\s?(?:[（(][^）)]{0,40}[）)])?\\s?(?:の\\s?)?第?\\s?${NUMERAL}\\s?条`, 'u');
const EN_ARTICLE_AFTER_TITLE = /^\s?,?\s?(?:Article|Art\.)\s?(\d{1,5})/;
const LAW_NUMBER_IN = new RegExp(`(?:${ERA_NAMES})\\s?(?:元|${NUMERAL})\\s?年\\s?(?:${LAW_KIND})\\s?第`, 'gu');
const SAME_LAW_ARTICLE = new RegExp(`同法\\s?(?:の\\s?)?第\\s?(${NUMERAL})\\s?条(?:の(${NUMERAL}))?`, 'gu');
const EN_TITLE_HINT = /\b(?:Act|Code|Constitution|APPI)\b/i;
const EN_WORD = /\b[a-z]+/g;
const MARKER_ID = /[[［]\s*([A-Za-z]{1,6}[-_]?[0-9]{1,4})\s*[\]］]/g;
const MARKER = /[[［]\s*([0-9０-９]{1,3}(?:\s*[,，、]\s*[0-9０-９]{1,3}){0,9})\s*[\]］]/g;
const URL = /https?:\/\/[^\s<>"'（）()「」『』【】\[\]、。，]{1,2000}/g;
// An attributed quotation: 「…」と答弁/と述べ/旨/と規定/と記載…, or 「…」とされ/とあります (the source says so).
const QUOTE_JA = /[「『]([^「」『』\n]{4,600})[」』]\s?(?:(?:と|との)?\s?(旨|答弁|答え|述べ|規定|記載|明記|明言|発言|回答|説明|表明|強調|指摘|言及|主張|記され|書かれ|書い|定めて|定められ)|と\s?(され|ある|あり))/g;
const QUOTE_EN =
  /\b(stated|said|answered|replied|testified|noted|declared|wrote|reads|provides|stipulates)\b[^"“”\n]{0,30}["“]([^"“”\n]{8,600})["”]|["“]([^"“”\n]{8,600})["”][^"“”\n]{0,20}\b(stated|said|answered|replied|testified|noted|declared)\b/gi;

// Statutes speak of a repealed law in transitional provisions: なお従前の例による, なおその効力を有する,
// この法律の施行の際/前, 改正前の….
const HISTORICAL =
  /廃止|旧|従前|なお(?:その)?効力|効力を有する|施行の際|施行前|施行の日前|改正前|かつて|以前|当時|改正前|までは|前身|統合|一元化|後継|代わ|置き換|失効|repeal|abolish|formerly|former|previously|replaced|supersed|until|no longer|prior to|predecessor/i;
const IN_FORCE =
  /現行|現在|現に|今も|今日も|引き続き|に基づ|により|によって|定めて|定める|規定して|規定され|義務付け|認められ|できます|なければ|in force|currently|current|under\b|pursuant|provides|requires|stipulates|governs|remains/i;
const PRESENT_CLAIM = /現行|現在|現に|今も|今日も|引き続き|in force|currently|still|remains/i;
// A future date is a plan when followed by "from/until/towards…", when it dates an event that will
// happen (令和九年に開催される国際園芸博覧会), or when stated with plan words; it is told
// as a fact when the clause is in the past or describes the present state.
const PLAN_RIGHT_AFTER = /^[^。、，,]{0,8}?(から|(?<!に)より|まで|以降|以後|に向け|を目途|をめど|目標|予定|見込|を目指)|^に[^。、，,]{0,8}?(?:される|する)(?=[\u4E00-\u9FFF\u30A0-\u30FF])/;
const FUTURE_HINT = /予定|見込|目指|目標|計画|予算|要求|見通し|将来|今後|想定|予測|推計|ビジョン|ロードマップ|will|plan|expected|scheduled|target|forecast|projected|by \d/i;
const TOLD_AS_FACT = /された|した|ました|でした|だった|ている|ています|ていた|ておりま|となって|とおり|済み|現在|現行|現に|により|に基づ|付け|\b(was|were|has been|have been|is now|are now)\b/;
/** Titles of amending and consequential-amendment acts, shared by many laws over the years. */
const AMENDING_ACT = /(?:改正する(?:等の)?|整備(?:等)?に関する|施行に伴う[^法]{0,20})(?:法律|政令|省令|府令|規則)$/;
/** After an article: "…第百二十五条第一項の改正規定" (an amending act's provision), within the clause. */
const AMENDING_PROVISION = /^[^、。，「」]{0,30}?の改正規定/;
/** Right after a date: a deadline, a period or a quotation of one, not an event. */
const DEADLINE_AFTER = /^[^。、，,]{0,8}?(?:から|まで|迄|以降|以後|以前|限り|」)/;
/** Right after a date: something happened then (a past fact, or the year of a law), not a deadline or a plan. */
const ENACTED_AFTER = /^[^。、，,]{0,12}?(?:公布|制定|成立|創設|された|した|ました|でした|だった)|^の(?:法律|法|政令|勅令)/;
/** How far around a match sentence-level context is read (keeps run-on text linear). */
const CONTEXT = 200;
const RAG_APPS = new Set(['legal_research', 'diet_response_search']);

const isIdeographOrKatakana = (c: string | undefined) => !!c && /[\u4E00-\u9FFF\u3400-\u4DBF\u30A0-\u30FF々〆ヶA-Za-z0-9０-９Ａ-Ｚａ-ｚ]/.test(c);
const isHiragana = (c: string | undefined) => !!c && c >= '\u3041' && c <= '\u309F';
// Before a title, these end a word rather than start a longer title: 改正/現行/新 qualify the same law;
// 中 (…附則第十三条中行政手続における…), 際, 他, 為, 後, 前, 表 (別表), 条/項/号 and conjunctions are the
// running text and tables of real statutes.
const SEPARATOR_BEFORE_NAME = /(?:改正|現行|新|中|際|他|為|後|前|表|条|項|号|款|欄|及|並|又|若|旧|等|外|下|上)$/;
// Attributive endings that bind the words before into one longer title (…の保有する個人情報の保護に関する法律).
const TITLE_CONTINUES_BEFORE = /(?:する|される|ける|係る|伴う|基づく|関する|ための)$/;
// 文語 statutes write particles in katakana (供託官ノ処分ニ付テハ行政手続法): one or two katakana between
// ideographs are grammar, not part of a katakana word.
const KATAKANA_PARTICLE = /(?:^|[^\u30A0-\u30FF])[ノニハヲヘトテモガヨリシスルタレナ]{1,2}$/;

/** How the text before a catalog name at `start` reads: a word boundary, a possible longer title, or 旧. */
function nameBoundary(text: string, start: number): { weak: boolean; predecessor: boolean } {
  const before = text.slice(Math.max(0, start - 6), start);
  const prev = before[before.length - 1];
  const predecessor = prev === '旧';
  if (!prev || predecessor) return { weak: false, predecessor };
  if (isHiragana(prev)) return { weak: TITLE_CONTINUES_BEFORE.test(before), predecessor };
  if (!isIdeographOrKatakana(prev)) return { weak: false, predecessor };
  if (/[\u30A0-\u30FF]/.test(prev)) return { weak: !KATAKANA_PARTICLE.test(before), predecessor };
  return { weak: !SEPARATOR_BEFORE_NAME.test(before), predecessor };
}

/**
 * For an article cited after a bare name: the one law of that name, or — when several laws share it —
 * a stand-in ending at the latest last article of them all (any of them may be meant), unless one of
 * them has no known last article.
 */
function unnumberedLaw(laws: LawEntry[]): LawEntry | null {
  if (laws.length === 1) return laws[0];
  let best = laws[0];
  for (const l of laws) {
    if (l.last_article === null) return null;
    if (l.last_article > (best.last_article ?? 0)) best = l;
  }
  return best;
}

/** The law a name means when no number says which: the newest in force, else the newest. */
function defaultLaw(laws: LawEntry[]): LawEntry {
  for (let i = laws.length - 1; i >= 0; i--) if (laws[i].status !== 'repealed') return laws[i];
  return laws[laws.length - 1];
}

interface Mention {
  /** The law meant: resolved by the number cited with it, else the newest law of that name in force. */
  law: LawEntry | null;
  /** Every law the name denotes (several laws share a title over time). */
  laws: LawEntry[];
  start: number;
  end: number;
  /**
   * The name may be the tail of a longer title the catalog does not hold (地方財政法 ⊃ 財政法,
   * 独立行政法人等の保有する個人情報の保護に関する法律 ⊃ 個人情報の保護に関する法律): only a number that
   * belongs to another catalog law proves it wrong.
   */
  weak: boolean;
  /** 旧所得税法: a predecessor of the law of that name, whatever its number. */
  predecessor: boolean;
}

export interface CitationsOptions {
  catalog?: Catalog;
}

export function createCitationsEvaluator(opts: CitationsOptions = {}): Evaluator {
  const catalog = opts.catalog ?? seedCatalog();
  const evaluator: Evaluator = {
    id: 'citations',
    // The catalog is part of what the evaluator knows: importing the official list re-evaluates history.
    version: `${CITATIONS_VERSION}+catalog.${catalog.version}`,
    evaluate(output: EvaluatorInput): Flag[] {
      const findings = findCitationProblems(catalog, output);
      return dedupeFindings(findings).map((f) => toFlag(evaluator, output.output_id, f));
    },
  };
  return evaluator;
}

function finding(rule_id: string, severity: Finding['severity'], confidence: number, start: number, end: number, text: string, explanation: string): Finding {
  return { category: CATEGORY, rule_id, severity, confidence, where: 'response', start, end, text, explanation };
}

/** Sentence spans and the output's date, computed only when a rule needs them. */
class Lazy {
  private _spans?: Span[];
  private _asOf?: Date | null;
  private readonly text: string;
  private readonly occurredAt: string | undefined;
  constructor(text: string, occurredAt: string | undefined) {
    this.text = text;
    this.occurredAt = occurredAt;
  }
  get spans(): Span[] {
    return (this._spans ??= sentences(this.text));
  }
  /** Null when the output carries no valid date: "future" then cannot be judged (and must not depend on today). */
  get asOf(): Date | null {
    if (this._asOf === undefined) this._asOf = outputDate(this.occurredAt);
    return this._asOf;
  }
}
const ERA_HINT = /明治|大正|昭和|平成|令和/;

/** The date of the output (UTC), or null when it is missing or invalid. */
function outputDate(occurredAt: string | undefined): Date | null {
  const d = occurredAt ? new Date(occurredAt) : new Date(NaN);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function findCitationProblems(catalog: Catalog, output: EvaluatorInput): Finding[] {
  const text = output.response ?? '';
  if (!text) return [];
  const out: Finding[] = [];
  const ctx = new Lazy(text, output.occurred_at);
  if (ERA_HINT.test(text)) checkEraDates(catalog, text, ctx, out);
  const mentions = findMentions(catalog, text);
  const consumedNumbers = new Set<number>();
  checkMentions(catalog, text, mentions, consumedNumbers, out);
  checkUnattachedNumbers(catalog, text, ctx, consumedNumbers, out);
  checkEnglishArticles(catalog, text, out);
  if (mentions.some((m) => m.law?.status === 'repealed')) checkRepealed(text, ctx.spans, mentions, out);
  const sources = output.sources ?? [];
  if (sources.length > 0 || RAG_APPS.has(output.app)) checkGrounding(text, output.prompt ?? '', sources, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Era calendar

function checkEraDates(catalog: Catalog, text: string, ctx: Lazy, out: Finding[]): void {
  const asOf = ctx.asOf;
  const nowYear = asOf ? asOf.getUTCFullYear() : Infinity;
  const today = asOf ? asOf.toISOString().slice(0, 10) : '9999-12-31';
  ERA_DATE.lastIndex = 0;
  for (let m = ERA_DATE.exec(text); m; m = ERA_DATE.exec(text)) {
    const era = catalog.eras.get(m[1]);
    const year = parseNumeral(m[2]);
    if (!era || !Number.isFinite(year)) continue;
    const month = m[3] ? parseNumeral(m[3]) : NaN;
    const day = m[4] ? parseNumeral(m[4]) : NaN;
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + 30);
    const isLawNumber = LAW_NUMBER_AFTER_YEAR.test(after);
    const label = m[0];
    const impossible = impossibleEraDate(era, year, month, day);
    if (impossible) {
      // Statutes drafted before an era change name deadlines and periods past its end (平成三十五年三月
      // 三十一日まで, 昭和六十五年五月二十三日から施行, 平成三十三年度までの, a date quoted in an amending
      // provision): anachronistic, not impossible. A law number, or an event told as having happened
      // in such a year (平成39年の改正により), is impossible.
      const pastEnd = (era.maxYear !== null && year > era.maxYear) || (era.end !== null && Number.isFinite(month) && isoDate(gregorianYear(era, year), month, Number.isFinite(day) ? day : 1) > era.end);
      if (pastEnd && !isLawNumber && !ENACTED_AFTER.test(after) && (DEADLINE_AFTER.test(after) || PLAN_RIGHT_AFTER.test(after))) {
        out.push(
          finding('anachronistic_era_date', 'info', 0.5, m.index, m.index + label.length, label,
            `${label} is past the end of ${era.name} (${era.end}); statutes drafted before an era change name such dates`),
        );
        continue;
      }
      out.push(
        finding('impossible_era_date', 'high', 0.97, m.index, m.index + label.length, label, `${label} does not exist: ${impossible}`),
      );
      continue;
    }
    const greg = gregorianYear(era, year);
    const iso = Number.isFinite(month) ? isoDate(greg, month, Number.isFinite(day) ? day : 1) : null;
    const isFuture = greg > nowYear || (iso !== null && Number.isFinite(day) && iso > today);
    if (!isFuture) continue;
    if (isLawNumber) {
      out.push(
        finding('future_era_date', 'high', 0.95, m.index, m.index + label.length, label,
          `${label} (${greg}) is after this answer's date (${today}): no law can carry that number yet`),
      );
      continue;
    }
    // A future date is fine in a plan ("令和9年4月に施行予定", "令和9年度から"); told as a fact or a
    // past event ("令和10年の改正により現在の規定となっています", "令和11年…付けの通知で示された") it is wrong.
    const sentence = sentenceAt(ctx.spans, m.index);
    const end = m.index + label.length;
    const rest = sentence ? text.slice(end, Math.min(sentence.end, end + CONTEXT)) : after;
    const whole = sentence ? text.slice(Math.max(sentence.start, m.index - CONTEXT), Math.min(sentence.end, end + CONTEXT)) : rest;
    if (PLAN_RIGHT_AFTER.test(rest) || FUTURE_HINT.test(whole) || !TOLD_AS_FACT.test(rest)) continue;
    out.push(
      finding('future_era_date', 'medium', 0.8, m.index, end, label,
        `${label} (${greg}) is after this answer's date (${today}) but is told as a fact`),
    );
  }
}

function isoDate(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Why an era date cannot exist, or null when it can. 元年 is year 1. */
function impossibleEraDate(era: Era, year: number, month: number, day: number): string | null {
  if (year < 1) return `${era.name} years start at 元年`;
  if (era.maxYear !== null && year > era.maxYear) return `${era.name} ended in year ${era.maxYear} (${era.end})`;
  if (Number.isFinite(month) && (month < 1 || month > 12)) return 'no such month';
  if (Number.isFinite(month)) {
    const iso = isoDate(gregorianYear(era, year), month, Number.isFinite(day) ? day : 1);
    const monthEnd = isoDate(gregorianYear(era, year), month, 31);
    // Without a day, the month must overlap the era; with a day, the day must be inside it.
    if (era.end && iso > era.end) return `${era.name} ended on ${era.end}`;
    if ((Number.isFinite(day) ? iso : monthEnd) < era.start) return `${era.name} began on ${era.start}`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Law mentions (titles and aliases from the catalog)

interface NameIndex {
  /**
   * Every ending of every catalog name ("律", "法律", "る法律", … the whole name): the lookup reads the
   * text backwards from a possible name end only while it is still the ending of some name.
   */
  suffixes: Set<string>;
  /** English title variants by their first word, for a word-by-word scan. */
  englishByFirstWord: Map<string, { variant: string; law: LawEntry }[]>;
  /**
   * The last characters of catalog names (法, 律, 令, 則… and, in the full list, 範 of 皇室典範, 約 of
   * 条約): the name lookup runs only where one of them is.
   */
  nameEnd: RegExp;
}
const NAME_INDEX = new WeakMap<Catalog, NameIndex>();

function nameIndex(catalog: Catalog): NameIndex {
  let idx = NAME_INDEX.get(catalog);
  if (idx) return idx;
  const suffixes = new Set<string>();
  for (const name of catalog.byName.keys()) {
    for (let k = 1; k <= name.length; k++) suffixes.add(name.slice(-k));
  }
  const englishByFirstWord = new Map<string, { variant: string; law: LawEntry }[]>();
  for (const [name, law] of catalog.byNameEn) {
    for (const variant of englishVariants(name)) {
      const first = /^[a-z]+/.exec(variant)?.[0] ?? variant; // "long-term care…" is found at the word "long"
      const list = englishByFirstWord.get(first) ?? [];
      list.push({ variant, law });
      englishByFirstWord.set(first, list);
    }
  }
  for (const list of englishByFirstWord.values()) list.sort((a, b) => b.variant.length - a.variant.length);
  const ends = [...new Set([...catalog.byName.keys()].map((n) => n.slice(-1)))].filter((c) => /[\u3040-\u30FF\u4E00-\u9FFF々]/.test(c));
  const nameEnd = ends.length ? new RegExp(`[${ends.join('')}]`, 'gu') : /(?!)/g;
  idx = { suffixes, englishByFirstWord, nameEnd };
  NAME_INDEX.set(catalog, idx);
  return idx;
}

/**
 * The longest catalog name that ends exactly at `end`, with how its start reads. The text is read
 * backwards only while it is the ending of some name, so the work per position is bounded by the
 * longest title, whatever the number of titles loaded: a megabyte of "…に関する法律" repeated stays
 * linear with ten thousand titles.
 */
function nameEndingAt(catalog: Catalog, text: string, end: number): Mention | null {
  const { suffixes } = nameIndex(catalog);
  let best: { laws: LawEntry[]; start: number } | null = null;
  for (let k = 1; k <= catalog.maxNameLength && end - k >= 0; k++) {
    const suffix = text.slice(end - k, end);
    if (!suffixes.has(suffix)) break;
    const laws = catalog.byName.get(suffix);
    if (laws) best = { laws, start: end - k };
  }
  if (!best) return null;
  const { weak, predecessor } = nameBoundary(text, best.start);
  return { law: defaultLaw(best.laws), laws: best.laws, start: best.start, end, weak, predecessor };
}

/** English catalog titles that start at `at` in the lower-cased text, longest first. */
function englishTitlesAt(catalog: Catalog, lower: string, at: number): { variant: string; law: LawEntry }[] {
  const word = /^[a-z]+/.exec(lower.slice(at, at + 20))?.[0];
  const list = word ? nameIndex(catalog).englishByFirstWord.get(word) : undefined;
  if (!list) return [];
  return list.filter((c) => lower.startsWith(c.variant, at) && !/[a-z]/.test(lower[at + c.variant.length] ?? ''));
}

/**
 * A name that opens a longer title cited with its own number: 民法の一部を改正する法律（平成…）,
 * 行政機関の保有する個人情報の保護に関する法律等の施行に伴う関係法律の整備等に関する法律（平成十五年…）.
 */
const INSIDE_LONGER_TITLE = new RegExp(`^等?の[^、。，（）()「」]{1,60}?(?:法律|法|令)[（(]\\s?(?:${ERA_NAMES})`, 'u');

/** A name followed by more of a compound title ("民法施行法", "個人情報保護法施行令") is another law. */
function continuesIntoAnotherTitle(text: string, end: number): boolean {
  let i = end;
  let run = '';
  while (i < text.length && run.length < 12) {
    const c = text[i];
    if (isHiragana(c) || !isIdeographOrKatakana(c) || c === '第') break;
    run += c;
    i++;
  }
  return /法|令|規則|条例/.test(run) && !/^(上|等|案)/.test(run);
}

function findMentions(catalog: Catalog, text: string): Mention[] {
  const mentions: Mention[] = [];
  const nameEnd = nameIndex(catalog).nameEnd;
  nameEnd.lastIndex = 0;
  for (let m = nameEnd.exec(text); m; m = nameEnd.exec(text)) {
    const end = m.index + m[0].length;
    const found = nameEndingAt(catalog, text, end);
    if (found && !continuesIntoAnotherTitle(text, end) && !INSIDE_LONGER_TITLE.test(text.slice(end, end + 80))) {
      const last = mentions[mentions.length - 1];
      if (last && found.start < last.end) {
        if (found.end - found.start > last.end - last.start) mentions[mentions.length - 1] = found;
      } else mentions.push(found);
    }
  }
  // English titles (the seed catalog carries them; a full import may not), scanned word by word.
  if (catalog.byNameEn.size > 0 && EN_TITLE_HINT.test(text)) {
    const lower = text.toLowerCase();
    const added: Mention[] = [];
    EN_WORD.lastIndex = 0;
    for (let w = EN_WORD.exec(lower); w; w = EN_WORD.exec(lower)) {
      const at = w.index;
      const best = englishTitlesAt(catalog, lower, at)[0];
      if (!best) continue;
      added.push({ law: best.law, laws: [best.law], start: at, end: at + best.variant.length, weak: false, predecessor: false });
      EN_WORD.lastIndex = at + best.variant.length; // the longest title wins; skip inside it
    }
    if (added.length) {
      mentions.push(...added);
      mentions.sort((a, b) => a.start - b.start);
    }
  }
  return mentions;
}

const EN_VARIANTS = new Map<string, string[]>();
function englishVariants(name: string): string[] {
  let v = EN_VARIANTS.get(name);
  if (!v) {
    v = [name];
    const ofJapan = /^(.*) of japan$/.exec(name);
    if (ofJapan) v.push(`japanese ${ofJapan[1]}`, ofJapan[1]);
    EN_VARIANTS.set(name, v);
  }
  return v;
}

interface ParsedNumber {
  start: number;
  end: number;
  text: string;
  key: string;
  gregorian: number | null;
  /** 第N号 (null for a law without one, such as 昭和21年憲法). */
  number: number | null;
}

function parseLawNumberAt(catalog: Catalog, text: string, at: number, limit: number): ParsedNumber | null {
  const slice = text.slice(at, limit);
  const ja = LAW_NUMBER_JA_AT.exec(slice);
  if (ja) {
    const era = catalog.eras.get(ja[1]);
    const year = parseNumeral(ja[2]);
    const num = ja[4] ? parseNumeral(ja[4]) : null;
    return {
      start: at,
      end: at + ja[0].length,
      text: ja[0],
      key: numberKey(ja[1], year, ja[3], num),
      gregorian: era ? gregorianYear(era, year) : null,
      number: num,
    };
  }
  const en = LAW_NUMBER_EN_AT.exec(slice);
  if (en) {
    const kind = /cabinet/i.test(en[1]) ? '政令' : /imperial/i.test(en[1]) ? '勅令' : '法律';
    return { start: at, end: at + en[0].length, text: en[0], key: numberKeyEn(Number(en[3]), kind, Number(en[2])), gregorian: Number(en[3]), number: Number(en[2]) };
  }
  return null;
}

function checkMentions(catalog: Catalog, text: string, mentions: Mention[], consumed: Set<number>, out: Finding[]): void {
  for (const mention of mentions) {
    let cursor = mention.end;
    let numbered = false;
    // "（明治29年法律第89号）" or "(Act No. 89 of 1896)" right after the title.
    const paren = /^\s?[（(]/.exec(text.slice(cursor, cursor + 2));
    if (paren) {
      const open = cursor + paren[0].length;
      const close = findClose(text, open, 60);
      const num = parseLawNumberAt(catalog, text, open, close ?? Math.min(text.length, open + 60));
      if (num) {
        consumed.add(num.start);
        numbered = true;
        mention.law = resolveNumber(catalog, text, mention, num, out);
      }
      if (close !== null) cursor = close + 1;
    }
    // Which of several laws of that name, or the tail of which longer title, is unknown: no article check.
    const law = numbered ? mention.law : !mention.weak && !mention.predecessor ? unnumberedLaw(mention.laws) : null;
    if (!law) continue;
    // An article right after the title: "民法第709条", "民法709条", "民法（…）第709条".
    const art = ARTICLE_AFTER_TITLE.exec(text.slice(cursor, cursor + 24));
    // "X法第N条の改正規定" describes the law as it stood when it was amended (the article may since be
    // gone, or the law replaced by a new one of the same title): not a citation of the law in force.
    if (art && AMENDING_PROVISION.test(text.slice(cursor + art.index + art[0].length, cursor + art.index + art[0].length + 40))) continue;
    if (art) checkArticle(law, parseNumeral(art[2]), cursor + art.index, cursor + art[0].length, text, out, art[3] ? parseNumeral(art[3]) : 0);
    // English: "the Civil Code (Act No. 89 of 1896), Article 1100".
    const artEn = /^[A-Za-z]/.test(text[mention.start]) ? EN_ARTICLE_AFTER_TITLE.exec(text.slice(cursor, cursor + 24)) : null;
    if (artEn) checkArticle(law, Number(artEn[1]), cursor + artEn[0].indexOf('A'), cursor + artEn[0].length, text, out);
  }
  // "同法第16条" refers to the law named last before it: a catalog mention, unless a law number of
  // another law (one the catalog does not know) came after that mention.
  if (!text.includes('同法')) return;
  SAME_LAW_ARTICLE.lastIndex = 0;
  let i = -1; // mentions and matches both run left to right: one pointer, linear
  for (let m = SAME_LAW_ARTICLE.exec(text); m; m = SAME_LAW_ARTICLE.exec(text)) {
    while (i + 1 < mentions.length && mentions[i + 1].end <= m.index) i++;
    const prior = i >= 0 ? mentions[i] : undefined;
    if (!prior?.law || prior.predecessor || (prior.weak && prior.law === defaultLaw(prior.laws))) continue;
    if (namesAnotherLawBetween(text, prior, m.index, consumed) || quotedBefore(text, prior.end, m.index)) continue;
    checkArticle(prior.law, parseNumeral(m[1]), m.index, m.index + m[0].length, text, out, m[2] ? parseNumeral(m[2]) : 0);
  }
}

/** Between a mention and "同法": an unconsumed law number ("…法（平成十五年法律第六十一号）") names another law. */
function namesAnotherLawBetween(text: string, prior: Mention, at: number, consumed: Set<number>): boolean {
  const between = text.slice(prior.end, at);
  LAW_NUMBER_IN.lastIndex = 0;
  for (let m = LAW_NUMBER_IN.exec(between); m; m = LAW_NUMBER_IN.exec(between)) {
    if (!consumed.has(prior.end + m.index)) return true;
  }
  return false;
}

/** True when a quotation open at `from` closes before `to`: a name quoted in a 読み替え is not what 同法 after it means. */
function quotedBefore(text: string, from: number, to: number): boolean {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === '「') depth++;
    else if (c === '」' && --depth < 0) return true;
  }
  return false;
}

function findClose(text: string, from: number, maxLen: number): number | null {
  const limit = Math.min(text.length, from + maxLen);
  for (let i = from; i < limit; i++) if (text[i] === '）' || text[i] === ')') return i;
  return null;
}

/**
 * A name cited with a number: the law of that name with that number, or a finding. Real text cites a
 * law by any of its numbers over time (所得税法 of 昭和22 and of 昭和40), a predecessor as 旧…法, and a
 * longer title the catalog may not hold; a number is wrong when it belongs to another catalog law, or
 * when the catalog knows no law of that name with it and it is not older than every law of that name
 * (an older one may be a predecessor the list does not hold).
 */
function resolveNumber(catalog: Catalog, text: string, mention: Mention, num: ParsedNumber, out: Finding[]): LawEntry | null {
  const own = mention.laws.find((l) => numberKeysOf(l).includes(num.key));
  if (own) return own;
  const numbered = mention.laws.filter((l) => l.number_ja !== null || l.number !== null);
  if (numbered.length === 0) return null;
  const name = text.slice(mention.start, mention.end);
  const owner = catalog.byNumber.get(num.key);
  // "…の一部を改正する法律" is enacted again and again under the same title: only a number of a law
  // that is not such an act proves the citation wrong.
  if (AMENDING_ACT.test(name) && (!owner || AMENDING_ACT.test(owner.title))) return owner ?? null;
  if (owner) {
    // A name glued to the words before it may end the owner's longer title, written a little
    // differently from the catalog; at the start of a phrase it is the name itself (個人情報の保護に関する
    // 法律 with the number of 行政機関の保有する個人情報の保護に関する法律 is a wrong number).
    if (mention.weak && [owner.title, ...owner.aliases].some((n) => n.endsWith(name))) return owner;
  } else {
    if (mention.weak || mention.predecessor) return null;
    // An older year with another number may be a predecessor the list lacks; the law's own number
    // with another year is a wrong year (Act No. 194 of 1947 for 昭和23年法律第194号).
    const oldest = Math.min(...numbered.map((l) => l.year ?? Infinity));
    const sameNumber = numbered.some((l) => l.number !== null && num.number === l.number);
    if (num.gregorian !== null && num.gregorian < oldest && !sameNumber) return null;
  }
  const law = defaultLaw(numbered);
  const other = owner ? `; ${num.text} is ${owner.title}` : '';
  const real = numbered.map((l) => describeNumber(l)).join(' or ');
  out.push(
    finding('law_number_mismatch', 'high', 0.97, num.start, num.end, num.text,
      `${law.title} is ${real}${law.number_en && numbered.length === 1 ? ` (${law.number_en})` : ''}, not ${num.text}${other}`),
  );
  return null;
}

const NUMBER_KEYS = new WeakMap<LawEntry, string[]>();
/** The index keys of a law's number (Japanese and English forms). */
function numberKeysOf(law: LawEntry): string[] {
  let keys = NUMBER_KEYS.get(law);
  if (!keys) {
    keys = [];
    const parsed = law.number_ja ? parseNumberJa(law.number_ja) : null;
    if (parsed) keys.push(numberKey(parsed.era, parsed.year, parsed.kind, parsed.num));
    if (law.year && law.number != null) keys.push(numberKeyEn(law.year, parsed?.kind ?? law.kind, law.number));
    NUMBER_KEYS.set(law, keys);
  }
  return keys;
}

/**
 * 第N条 (or 第N条のM, a branch article inserted after N) beyond the last citable article. A branch of the
 * last article is judged only where the catalog knows that article's own branch number (e-Gov's
 * 第二百六十四条 has none; 第三百十一条の二十四 has 24).
 */
function checkArticle(law: LawEntry, article: number, start: number, end: number, text: string, out: Finding[], branch = 0): void {
  if (!Number.isFinite(article) || law.last_article == null) return;
  const lastBranch = law.last_article_branch;
  const pastBranch = article === law.last_article && branch > 0 && lastBranch != null && branch > lastBranch;
  if (article > law.last_article || pastBranch) {
    const last = `${law.last_article}${lastBranch ? `-${lastBranch}` : ''}`;
    const cited = `${article}${branch ? `-${branch}` : ''}`;
    out.push(
      finding('article_out_of_range', 'medium', 0.93, start, end, text.slice(start, end),
        `${law.title} ends at Article ${last}; Article ${cited} does not exist`),
    );
  }
}

function checkEnglishArticles(catalog: Catalog, text: string, out: Finding[]): void {
  if (!/Art/.test(text) || catalog.byNameEn.size === 0) return;
  const lower = text.toLowerCase();
  ARTICLE_EN.lastIndex = 0;
  for (let m = ARTICLE_EN.exec(text); m; m = ARTICLE_EN.exec(text)) {
    const at = m.index + m[0].length;
    const found = englishTitlesAt(catalog, lower, at)[0];
    const best = found ? { law: found.law, len: found.variant.length } : null;
    if (best) checkArticle(best.law, Number(m[1]), m.index, at + best.len, text, out);
  }
}

// ---------------------------------------------------------------------------------------------
// Law numbers not attached to a known title: an invented title with another law's number, or a law
// outside the catalog (unverifiable: info).

function checkUnattachedNumbers(catalog: Catalog, text: string, ctx: Lazy, consumed: Set<number>, out: Finding[]): void {
  scanUnattached(catalog, text, ctx, consumed, out, LAW_NUMBER_JA);
  if (/Act|Order|Ordinance/.test(text)) scanUnattached(catalog, text, ctx, consumed, out, LAW_NUMBER_EN);
}

function scanUnattached(catalog: Catalog, text: string, ctx: Lazy, consumed: Set<number>, out: Finding[], re: RegExp): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (consumed.has(m.index)) continue;
    const num = parseLawNumberAt(catalog, text, m.index, m.index + m[0].length);
    if (!num) continue;
    const asOf = re === LAW_NUMBER_EN ? ctx.asOf : null;
    if (asOf && num.gregorian !== null && num.gregorian > asOf.getUTCFullYear()) {
      out.push(finding('future_era_date', 'high', 0.9, num.start, num.end, num.text, `${num.text} is dated after this answer (${asOf.toISOString().slice(0, 10)})`));
      continue;
    }
    const title = titleBeforeParen(text, m.index);
    const owner = catalog.byNumber.get(num.key);
    if (title && owner && !isPlausibleAliasOf(title.text, owner)) {
      out.push(
        finding('law_number_mismatch', 'high', 0.9, num.start, num.end, num.text,
          `${num.text} is ${owner.title}, not "${title.text}"`),
      );
    } else if (title && !owner) {
      out.push(
        finding('law_not_in_catalog', 'info', 0.5, title.start, num.end, text.slice(title.start, num.end),
          `${title.text} (${num.text}) is not in the law catalog: unverifiable`),
      );
    }
  }
}

/** The title written just before "（number）": a run of kanji/katakana/Latin ending in a law word. */
function titleBeforeParen(text: string, numberStart: number): { text: string; start: number } | null {
  let p = numberStart;
  while (p > 0 && /\s/.test(text[p - 1])) p--;
  if (p === 0 || !/[（(]/.test(text[p - 1])) return null;
  const end = p - 1;
  let start = end;
  // Japanese: the run of non-hiragana characters; English: capitalised words.
  while (start > 0 && end - start < 40 && (isIdeographOrKatakana(text[start - 1]) || (/[ ・\-]/.test(text[start - 1]) && /[A-Za-z]/.test(text[start - 2] ?? '')))) start--;
  let title = text.slice(start, end).trim();
  if (title.length < 3) {
    // Full official titles contain hiragana ("…に関する法律"): take the clause back to punctuation.
    start = end;
    while (start > 0 && end - start < 60 && !/[、。，,「」『』\s（）()：:【】は]/.test(text[start - 1])) start--;
    title = text.slice(start, end);
  }
  if (!/(法|法律|令|規則|条例|憲法|Act|Code|Law|Order)$/.test(title)) return null;
  return { text: title, start: end - title.length };
}

/**
 * Abbreviations of Japanese law titles keep the characters of the full title in order
 * (独禁法 ⊂ 私的独占の禁止及び公正取引の確保に関する法律), so a title that is such a subsequence of the
 * number's owner is taken as another name for it rather than as a wrong title.
 */
export function isPlausibleAliasOf(title: string, law: LawEntry): boolean {
  const t = title.replace(/^(?:the|The)\s+/, '');
  const names = [law.title, ...(law.aliases ?? [])];
  if (names.includes(t)) return true;
  if (/[A-Za-z]/.test(t) && !/[\u4E00-\u9FFF]/.test(t)) return law.title_en ? englishWordsFit(t, law.title_en) : true;
  const core = t.replace(/法律$/, '法');
  if (names.some((n) => isSubsequence(core, n))) return true;
  // An order or a rule (…施行令, …規則) is never another name of an Act.
  if (law.kind === '法律' && /(?:令|規則)$/.test(t)) return false;
  // A wholesale revision is enacted under the title "…を改正する法律" and becomes the law itself
  // (刑事訴訟法を改正する法律 is 昭和23年法律第131号, the 刑事訴訟法 in force); a partial amendment
  // ("…の一部を改正する法律") is an act of its own, and 地方自治法施行令 is not 地方自治法.
  if (/(?<!一部)を改正する法律$/.test(t) && names.some((n) => t.startsWith(n))) return true;
  // A former title shares a distinctive part of the present one (証券取引法 → 金融商品取引法,
  // 外国為替及び外国貿易管理法 → 外国為替及び外国貿易法); an invented title shares none.
  return names.some((n) => sharesDistinctivePart(t, n));
}

// Words every other title has: they do not tie two titles together.
const GENERIC_TITLE_PARTS = /に関する|のための|等の|及び|並びに|特別措置|基本|法律|法|等|の|に|を|する|ける|係る/g;
function sharesDistinctivePart(a: string, b: string): boolean {
  const x = a.replace(GENERIC_TITLE_PARTS, '\u0000');
  const y = b.replace(GENERIC_TITLE_PARTS, '\u0000');
  for (let i = 0; i + 2 <= x.length; i++) {
    const gram = x.slice(i, i + 2);
    if (/^[\u4E00-\u9FFF]{2}$/.test(gram) && y.includes(gram)) return true;
  }
  return false;
}

function isSubsequence(needle: string, hay: string): boolean {
  let i = 0;
  for (const ch of hay) if (ch === needle[i]) i++;
  return i === needle.length;
}

// Words that do not identify a law (and sentence starters caught in the title run: "Under the … Act").
const EN_STOP = new Set(['act', 'law', 'code', 'the', 'of', 'on', 'and', 'for', 'to', 'in', 'japan', 'japanese', 'basic', 'under', 'pursuant', 'according', 'see', 'per', 'by', 'with', 'as', 'article', 'paragraph', 'item', 'its', 'this', 'that', 'a', 'an']);
function englishWordsFit(title: string, official: string): boolean {
  const words = official.toLowerCase().split(/[^a-z]+/).filter(Boolean);
  const initials = words.map((w) => w[0]).join('');
  return title
    .split(/[^A-Za-z]+/)
    .filter((w) => w && !EN_STOP.has(w.toLowerCase()))
    .every((w) => (w === w.toUpperCase() && w.length <= 5 ? initials.includes(w.toLowerCase()) : words.some((x) => x.startsWith(w.toLowerCase().slice(0, 5)))));
}

// ---------------------------------------------------------------------------------------------
// Repealed laws presented as in force

function checkRepealed(text: string, spans: Span[], mentions: Mention[], out: Finding[]): void {
  for (const mention of mentions) {
    const law = mention.law;
    // A predecessor cited with its own number while a law of that name is in force is a precise
    // historical reference (商標法（大正十年法律第九十九号）), not a claim that it still applies.
    if (law?.status !== 'repealed' || mention.predecessor || mention.weak || law !== mention.laws[mention.laws.length - 1]) continue;
    const sentence = sentenceAt(spans, mention.start);
    if (!sentence) continue;
    // The sentence around the mention, bounded so a huge run-on "sentence" stays linear.
    const from = Math.max(sentence.start, mention.start - CONTEXT);
    const to = Math.min(sentence.end, mention.end + CONTEXT);
    const around = text.slice(from, to);
    if (HISTORICAL.test(around)) continue;
    const citedArticle = REPEALED_ARTICLE_AFTER.test(text.slice(mention.end, mention.end + 60));
    const sameLaw = /同法\s?第/.test(text.slice(mention.end, to));
    if (!IN_FORCE.test(around) && !citedArticle && !sameLaw) continue;
    // A repeal known only from the imported list (no date or successor curated) is flagged on an
    // explicit present-tense claim (現行の…, 現在も…): "…により統制された" tells history, and old
    // titles (徴兵令, 国家総動員法) mostly come up in history.
    if (law.repealed_on === null && law.replaced_by === null && !PRESENT_CLAIM.test(around)) continue;
    const repealed = law.repealed_on ? ` on ${law.repealed_on}` : '';
    const successor = law.replaced_by ? `; see ${law.replaced_by}` : '';
    out.push(
      finding('repealed_law_as_current', 'medium', 0.85, mention.start, mention.end, text.slice(mention.start, mention.end),
        `${law.title} was repealed${repealed} but is presented as in force${successor}`),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Grounding in the retrieved sources (RAG apps)

type SourceLike = NonNullable<EvaluatorInput['sources']>[number];

function checkGrounding(text: string, prompt: string, sources: SourceLike[], out: Finding[]): void {
  if (text.includes('[') || text.includes('［')) {
    checkMarkers(text, sources, out);
    checkIdMarkers(text, sources, out);
  }
  // URLs and quotations are checked against what was retrieved; with nothing retrieved there is no
  // yardstick (a marker, though, then points at nothing and is checked above).
  if (sources.length === 0) return;
  if (text.includes('http')) checkUrls(text, sources, out);
  if (/[「『"“]/.test(text)) checkQuotes(text, prompt, sources, out);
}

/** True when the bracket at `at` indexes code (a[1], m[0][1]) rather than citing a source. */
function isCodeIndex(text: string, at: number): boolean {
  let i = at;
  // Walk back over a run of markers ("[2][5]") to the character before the first one.
  for (let guard = 0; guard < 10; guard++) {
    const chain = /[[［]\s*[0-9０-９]{1,3}\s*[\]］]$/.exec(text.slice(Math.max(0, i - 8), i));
    if (!chain) break;
    i -= chain[0].length;
  }
  return /[A-Za-z0-9_)]/.test(text[i - 1] ?? '');
}

function checkMarkers(text: string, sources: SourceLike[], out: Finding[]): void {
  let ids: Set<string> | null = null;
  MARKER.lastIndex = 0;
  for (let m = MARKER.exec(text); m; m = MARKER.exec(text)) {
    // Code such as a[1] or m[0][1] is not a citation; a run of markers ("[2][5]") is.
    if (isCodeIndex(text, m.index)) continue;
    if (text[m.index + m[0].length] === '(') continue; // a Markdown link [1](...)
    ids ??= new Set(sources.map((s) => String(s.id).normalize('NFKC')));
    for (const part of m[1].split(/[,，、]/)) {
      const ref = part.trim().normalize('NFKC');
      const n = Number(ref);
      if ((n >= 1 && n <= sources.length) || ids.has(ref)) continue;
      out.push(
        finding('citation_marker_without_source', 'medium', 0.92, m.index, m.index + m[0].length, m[0],
          `marker [${ref}] refers to no retrieved source (${sources.length} retrieved)`),
      );
      break;
    }
  }
}

/** Markers by source id ("[S3]" when the sources are S1, S2): flagged when the id family matches but the id does not. */
function checkIdMarkers(text: string, sources: SourceLike[], out: Finding[]): void {
  const ids = new Set(sources.map((s) => String(s.id).toLowerCase()));
  const families = new Set([...ids].map((id) => id.replace(/[-_]?[0-9]+$/, '')).filter(Boolean));
  if (families.size === 0) return;
  MARKER_ID.lastIndex = 0;
  for (let m = MARKER_ID.exec(text); m; m = MARKER_ID.exec(text)) {
    const ref = m[1].toLowerCase();
    if (ids.has(ref) || !families.has(ref.replace(/[-_]?[0-9]+$/, ''))) continue;
    if (/[A-Za-z0-9_]/.test(text[m.index - 1] ?? '')) continue;
    out.push(
      finding('citation_marker_without_source', 'medium', 0.9, m.index, m.index + m[0].length, m[0],
        `marker [${m[1]}] matches no retrieved source id (${[...ids].slice(0, 5).join(', ')})`),
    );
  }
}

function checkUrls(text: string, sources: SourceLike[], out: Finding[]): void {
  let sourceUrls: Set<string> | null = null;
  URL.lastIndex = 0;
  for (let m = URL.exec(text); m; m = URL.exec(text)) {
    const url = m[0].replace(/[.,;:!?]+$/, '');
    sourceUrls ??= new Set(sources.flatMap((s) => (s.url ? [normalizeUrl(s.url)] : [])));
    if (sourceUrls.has(normalizeUrl(url))) continue;
    let path = '/';
    try {
      path = new globalThis.URL(url).pathname;
    } catch {
      continue;
    }
    if (path === '/' || path === '') continue; // a site's home page is a pointer, not a cited document
    out.push(
      finding('url_not_in_sources', 'medium', 0.9, m.index, m.index + url.length, url,
        `cited URL is not among the ${sources.length} retrieved sources`),
    );
  }
}

function checkQuotes(text: string, prompt: string, sources: SourceLike[], out: Finding[]): void {
  let haystacks: string[] | null = null; // normalised only when the answer quotes something
  let haystackBigrams: Set<string>[] | null = null;
  const quotes: { quote: string; start: number; gist: boolean }[] = [];
  QUOTE_JA.lastIndex = 0;
  for (let m = QUOTE_JA.exec(text); m; m = QUOTE_JA.exec(text)) quotes.push({ quote: m[1], start: m.index + 1, gist: m[2] === '旨' });
  if (/["“]/.test(text)) {
    QUOTE_EN.lastIndex = 0;
    for (let m = QUOTE_EN.exec(text); m; m = QUOTE_EN.exec(text)) {
      const quote = m[2] ?? m[3];
      quotes.push({ quote, start: m.index + m[0].indexOf(quote), gist: false });
    }
  }
  for (const { quote, start, gist } of quotes) {
    // Fast path: a verbatim quotation needs no normalisation.
    if (sources.some((s) => (s.excerpt ?? '').includes(quote))) continue;
    // An elided quotation ("A……B") is grounded when each of its pieces is.
    const pieces = quote.split(/…|\.{3}|‥/).map(normalizeForMatch).filter((p) => p.length > 0);
    const q = pieces.join('');
    if (q.length < 4) continue;
    haystacks ??= [...sources.flatMap((s) => [normalizeForMatch(`${s.excerpt ?? ''}`), normalizeForMatch(`${s.title ?? ''}`)]), normalizeForMatch(prompt)].filter(Boolean);
    const hay = haystacks;
    if (hay.some((h) => pieces.every((p) => h.includes(p)))) continue;
    // A gist (旨) may paraphrase: accept it when nearly all of its wording is in one source.
    if (gist) {
      haystackBigrams ??= hay.map(bigrams);
      if (haystackBigrams.some((b) => bigramCoverage(q, b) >= 0.8)) continue;
    }
    const end = start + quote.length;
    out.push(
      finding('quote_not_in_sources', 'high', 0.9, start, end, text.slice(start, end),
        `the attributed quotation appears in none of the ${sources.length} retrieved source excerpts`),
    );
  }
}

/** The same document whatever the scheme, "www.", fragment or trailing slash. */
function normalizeUrl(u: string): string {
  try {
    const url = new globalThis.URL(u.trim());
    return `${url.host.toLowerCase().replace(/^www\./, '')}${url.pathname.replace(/\/+$/, '')}${url.search}`;
  } catch {
    return u.trim().replace(/^https?:\/\/(www\.)?/i, '').replace(/#.*$/, '').replace(/\/+$/, '');
  }
}
