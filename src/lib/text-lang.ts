// The language of a fragment of text the dashboard did not write itself (an evaluator's explanation,
// a server's error message, a model's answer), so that it can carry its own `lang` attribute when it
// differs from the page's (WCAG 3.1.2, language of parts): a screen reader then reads English text
// inside a Japanese page with an English voice, and the other way round.
//
// The rule is by script, not by dictionary: any kana or kanji makes the text Japanese (a Japanese
// voice reads Latin words passably, an English voice cannot read kanji at all), Latin letters without
// any Japanese make it English, and text with neither (numbers, ids, symbols) has no language of its
// own and inherits the page's.

const JAPANESE = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}\u3000-\u303f\uff01-\uff60]/u;
const LATIN = /\p{Script=Latin}/u;

export type TextLang = 'ja' | 'en';

/** 'ja', 'en', or null when the text has no letters that tell (ids, numbers). */
export function textLang(text: string | null | undefined): TextLang | null {
  if (!text) return null;
  if (JAPANESE.test(text)) return 'ja';
  if (LATIN.test(text)) return 'en';
  return null;
}

/**
 * The value for a `lang` attribute on an element holding `text` inside a page in `pageLang`:
 * undefined (no attribute) when the text is in the page's language or tells nothing.
 */
export function langAttr(text: string | null | undefined, pageLang: string | null | undefined): TextLang | undefined {
  const lang = textLang(text);
  return lang && lang !== (pageLang === 'en' ? 'en' : 'ja') ? lang : undefined;
}
