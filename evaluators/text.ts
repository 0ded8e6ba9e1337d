// Text helpers shared by the evaluators: numerals in every width and script, sentence spans with
// UTF-16 offsets, normalisation for quote matching, and masking of secrets for evidence.

const KANJI_DIGITS: Record<string, number> = {
  〇: 0, 零: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
  壱: 1, 弐: 2, 参: 3,
};
const KANJI_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** A numeral as written in Japanese legal text: ASCII, full-width or kanji digits. */
export const NUMERAL = '[0-9０-９〇零一二三四五六七八九十百千]+';

/** Parses "709", "７０９", "七百九", "千百", "二百七十", "一〇五〇" and "元" (for era years). NaN when not a numeral. */
export function parseNumeral(s: string): number {
  if (s === '元') return 1;
  let ascii = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) ascii += ch;
    else if (c >= 0xff10 && c <= 0xff19) ascii += String.fromCharCode(c - 0xff10 + 0x30);
    else {
      ascii = '';
      break;
    }
  }
  if (ascii) return Number(ascii);
  // Kanji: with units (七百九) it is additive; without units (一〇五〇) it is positional.
  if (![...s].some((ch) => ch in KANJI_UNITS)) {
    let n = 0;
    for (const ch of s) {
      const d = KANJI_DIGITS[ch];
      if (d === undefined) return NaN;
      n = n * 10 + d;
    }
    return s.length ? n : NaN;
  }
  let total = 0;
  let digit = -1;
  for (const ch of s) {
    const d = KANJI_DIGITS[ch];
    if (d !== undefined) {
      digit = d;
      continue;
    }
    const unit = KANJI_UNITS[ch];
    if (unit === undefined) return NaN;
    total += (digit < 0 ? 1 : digit) * unit;
    digit = -1;
  }
  return total + (digit > 0 ? digit : 0);
}

export interface Span {
  start: number;
  end: number;
  text: string;
}

// Sentence ends: Japanese/Chinese full stops, ! ?, newlines, and an English full stop followed by
// a space (so "No. 57" and "1.5" do not split).
const SENTENCE_END = /[。！？!?\n]+|\.(?=\s|$)/g;

/** Splits text into sentences, keeping UTF-16 offsets into the original string. */
export function sentences(text: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  SENTENCE_END.lastIndex = 0;
  for (let m = SENTENCE_END.exec(text); m; m = SENTENCE_END.exec(text)) {
    const end = m.index + m[0].length;
    if (end > start) out.push({ start, end, text: text.slice(start, end) });
    start = end;
  }
  if (start < text.length) out.push({ start, end: text.length, text: text.slice(start) });
  return out;
}

/** The sentence that contains offset `at` (binary search: spans are sorted and contiguous). */
export function sentenceAt(spans: Span[], at: number): Span | undefined {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid];
    if (at < s.start) hi = mid - 1;
    else if (at >= s.end) lo = mid + 1;
    else return s;
  }
  return spans[spans.length - 1];
}

// Punctuation and symbols ignored when comparing a quotation with a source excerpt.
const QUOTE_NOISE = /[\s\p{P}\p{S}]/gu;

/** NFKC, then drop whitespace, punctuation and symbols: what "the same words" means for quotes. */
export function normalizeForMatch(s: string): string {
  return s.normalize('NFKC').replace(QUOTE_NOISE, '').toLowerCase();
}

/** The character bigrams of a (normalised) text, for bigramCoverage. */
export function bigrams(s: string): Set<string> {
  const set = new Set<string>();
  for (let i = 0; i < s.length - 1; i++) set.add(s.slice(i, i + 2));
  return set;
}

/** Share of the quote's character bigrams found in the haystack's bigrams (both already normalised). */
export function bigramCoverage(quote: string, haystack: Set<string>): number {
  if (quote.length < 2) return 0;
  let hit = 0;
  for (let i = 0; i < quote.length - 1; i++) if (haystack.has(quote.slice(i, i + 2))) hit++;
  return hit / (quote.length - 1);
}

/** Masks a secret for evidence: only the last four characters stay readable ("****5678"). */
export function maskSecret(s: string, keep = 4): string {
  const compact = s.replace(/[\s\-‐－]/g, '');
  if (compact.length <= keep) return '*'.repeat(compact.length);
  return '****' + compact.slice(-keep);
}

/** Digits only, full-width folded to ASCII. */
export function digitsOf(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) out += ch;
    else if (c >= 0xff10 && c <= 0xff19) out += String.fromCharCode(c - 0xff10 + 0x30);
  }
  return out;
}

/** Compiles data-file patterns once; a bad pattern names its source so reviewers can fix the file. */
export function compilePattern(source: string, where: string, flags = 'u'): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new Error(`invalid pattern in ${where}: ${source}: ${(err as Error).message}`);
  }
}
