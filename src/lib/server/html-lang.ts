// The <html lang> of a server-rendered page is the page's display language (WCAG 3.1.1). app.html is
// written as Japanese; an English page (?lang=en or the lang cookie) gets lang="en" before the first
// byte reaches the browser, so a screen reader never starts reading English with a Japanese voice. The
// root layout keeps the attribute right across client-side language switches.
import type { Handle } from '@sveltejs/kit';
import { LANG_COOKIE, resolveLang } from '../i18n/index.ts';

const HTML_JA = '<html lang="ja">';

export const htmlLang: Handle = async ({ event, resolve }) => {
  const lang = resolveLang(event.url, event.cookies.get(LANG_COOKIE));
  if (lang === 'ja') return resolve(event);
  return resolve(event, {
    transformPageChunk: ({ html }) => html.replace(HTML_JA, `<html lang="${lang}">`),
  });
};
