// Findings in the UI language: rule titles, explanations and incident titles rendered at display time
// from the language-neutral flag (rule_id + the params its stored English explanation carries; see
// contracts/finding-messages.ts). Used by the incident pages, the evaluators page, the CSV exports.
import { findingTitle, hasFindingMessages, localiseExplanation, type LocalisedExplanation } from '../../../contracts/finding-messages.ts';
import { categoryName, type Lang } from './index.ts';

export { findingTitle as ruleTitle };

/** A flag's explanation in `lang`; `.lang` is 'en' when only the stored English text exists. */
export function explanationIn(flag: { rule_id: string; explanation: string }, lang: Lang | string | null | undefined): LocalisedExplanation {
  return localiseExplanation(flag, lang);
}

/**
 * An incident's title in `lang`. The stored title is "<category>: <rule ids>" (no raw text may travel
 * in it); the same facts are rendered from the category and rule ids, so old incidents read well too.
 * A title naming a rule without messages (a reviewer's new rule) is shown as stored.
 */
export function incidentTitle(inc: { category: string; rule_ids: readonly string[]; title?: string }, lang: Lang | string | null | undefined): string {
  if (!inc.rule_ids?.length || !inc.rule_ids.every(hasFindingMessages)) return inc.title || categoryName(inc.category, lang);
  const titles = inc.rule_ids.map((r) => findingTitle(r, lang));
  return lang === 'en' ? `${categoryName(inc.category, lang)}: ${titles.join(', ')}` : `${categoryName(inc.category, lang)}：${titles.join('、')}`;
}

/**
 * CSV columns with the readable rule names next to the ids: `rule_title` after `rule_id`,
 * `rule_titles` after `rule_ids`. The ids stay, so spreadsheets can still join on them.
 */
export function withRuleTitles<T extends object>(columns: readonly string[], rows: readonly T[], lang: Lang | string | null | undefined): { columns: string[]; rows: Record<string, unknown>[] } {
  const out: string[] = [];
  for (const c of columns) {
    out.push(c);
    if (c === 'rule_id') out.push('rule_title');
    if (c === 'rule_ids') out.push('rule_titles');
  }
  const titled = rows.map((row) => {
    const r = { ...(row as Record<string, unknown>) };
    if (typeof r.rule_id === 'string') r.rule_title = findingTitle(r.rule_id, lang);
    if (Array.isArray(r.rule_ids)) r.rule_titles = (r.rule_ids as string[]).map((id) => findingTitle(id, lang)).join(lang === 'en' ? ', ' : '、');
    return r;
  });
  return { columns: out, rows: titled };
}
