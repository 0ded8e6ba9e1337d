// The dashboard's one translation function. Japanese by default; English when the visitor chose it
// (?lang=en, remembered in the `lang` cookie). Pages get `lang` from the root layout's data; server code
// and the access pages call `t(lang, key, vars)` or `translator(lang)` the same way.
import { MINISTRIES, ministryByCode } from '../../../contracts/ministries.ts';
import { dashboardMessages, type DashboardKey } from './dashboard.ts';
import { triageMessages, type TriageKey } from './triage.ts';
import { reviewMessages, type ReviewKey } from './review.ts';
import { reportsMessages, type ReportsKey } from './reports.ts';
import { a11yMessages, type A11yKey } from './a11y.ts';

export const LANGS = ['ja', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export type MessageKey = DashboardKey | TriageKey | ReviewKey | ReportsKey | A11yKey;
export const LANG_COOKIE = 'lang';

const dictionaries: Record<Lang, Record<string, string>> = {
  ja: { ...triageMessages.ja, ...dashboardMessages.ja, ...reviewMessages.ja, ...reportsMessages.ja, ...a11yMessages.ja },
  en: { ...triageMessages.en, ...dashboardMessages.en, ...reviewMessages.en, ...reportsMessages.en, ...a11yMessages.en },
};

export function isLang(v: unknown): v is Lang {
  return v === 'ja' || v === 'en';
}

/** `t('en', 'overview.window', { from, to })`. Unknown keys show the key, so a gap is visible, not blank. */
export function t(lang: Lang | string | null | undefined, key: MessageKey | string, vars: Record<string, string | number> = {}): string {
  const dict = dictionaries[isLang(lang) ? lang : 'ja'];
  return (dict[key] ?? dictionaries.ja[key] ?? key).replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? `{${k}}`));
}

export function translator(lang: Lang | string | null | undefined) {
  return (key: MessageKey | string, vars?: Record<string, string | number>) => t(lang, key, vars);
}

/** The language of a request: an explicit ?lang= wins, then the cookie, then Japanese. */
export function resolveLang(url: URL, cookie: string | undefined): Lang {
  const q = url.searchParams.get('lang');
  if (isLang(q)) return q;
  return isLang(cookie) ? cookie : 'ja';
}

export function ministryName(code: string, lang: Lang | string | null | undefined): string {
  const m = ministryByCode(code);
  if (!m) return code;
  return lang === 'en' ? m.name_en : m.name_ja;
}

/** Category labels for the known categories; a new evaluator's own category shows as its id. */
export function categoryName(category: string, lang: Lang | string | null | undefined): string {
  const key = `category.${category}`;
  const s = t(lang, key);
  return s === key ? category : s;
}

export function severityName(severity: string, lang: Lang | string | null | undefined): string {
  const key = `severity.${severity}`;
  const s = t(lang, key);
  return s === key ? severity : s;
}

export { MINISTRIES };
export const dictionaryKeys = { ja: Object.keys(dictionaries.ja), en: Object.keys(dictionaries.en) };
