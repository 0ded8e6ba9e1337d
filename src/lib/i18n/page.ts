// For Svelte components: translate with the language of the page being shown (the root layout puts
// `lang` into page data), so components do not need a `lang` prop threaded through them.
import { page } from '$app/state';
import { t, type MessageKey } from './index.ts';

export function tr(key: MessageKey | string, vars?: Record<string, string | number>): string {
  return t((page.data as { lang?: string }).lang, key, vars);
}

export function currentLang(): 'ja' | 'en' {
  return (page.data as { lang?: string }).lang === 'en' ? 'en' : 'ja';
}
