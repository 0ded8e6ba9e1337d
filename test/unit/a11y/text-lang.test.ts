// Language of parts (src/lib/text-lang.ts): English evaluator text in a Japanese page gets lang="en",
// Japanese text in an English page gets lang="ja", and text that tells nothing inherits the page's.
import { describe, expect, it } from 'vitest';
import { langAttr, textLang } from '../../../src/lib/text-lang.ts';

describe('textLang', () => {
  it('reads the script, not the words', () => {
    expect(textLang('frames the Senkaku Islands as disputed')).toBe('en');
    expect(textLang('尖閣諸島は係争地です。')).toBe('ja');
    expect(textLang('カタカナだけ')).toBe('ja');
    expect(textLang('ひらがな')).toBe('ja');
    // Any Japanese makes it Japanese: an English voice cannot read kanji, a Japanese one reads Latin.
    expect(textLang('民法 is 明治29年法律第89号')).toBe('ja');
    expect(textLang('Café déjà vu')).toBe('en');
    expect(textLang('１２３（全角）')).toBe('ja');
  });
  it('has no opinion on ids, numbers and empty text', () => {
    for (const s of ['', '12345', '090-1234-5678', '****9018', '—', null, undefined]) expect(textLang(s)).toBeNull();
  });
});

describe('langAttr', () => {
  it('is set only when the text differs from the page', () => {
    expect(langAttr('Your role may not open this page', 'ja')).toBe('en');
    expect(langAttr('Your role may not open this page', 'en')).toBeUndefined();
    expect(langAttr('承知しました。', 'en')).toBe('ja');
    expect(langAttr('承知しました。', 'ja')).toBeUndefined();
    expect(langAttr('1234', 'en')).toBeUndefined();
    // An unknown page language is Japanese, the dashboard's default.
    expect(langAttr('plain English', undefined)).toBe('en');
    expect(langAttr('日本語', null)).toBeUndefined();
  });
});
