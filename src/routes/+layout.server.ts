// Data every page's layout needs: who is signed in (for the nav and the sign-out form), the session's
// CSRF token (every form that POSTs sends it back as the hidden field `csrf`), and the display
// language: Japanese by default, English after ?lang=en (remembered in a cookie for a year).
import type { LayoutServerLoad } from './$types';
import { LANG_COOKIE, resolveLang } from '$lib/i18n/index.ts';

export const load: LayoutServerLoad = async ({ locals, url, cookies }) => {
  const lang = resolveLang(url, cookies.get(LANG_COOKIE));
  if (url.searchParams.has('lang') && cookies.get(LANG_COOKIE) !== lang) {
    cookies.set(LANG_COOKIE, lang, { path: '/', maxAge: 365 * 86_400, httpOnly: false, sameSite: 'lax', secure: url.protocol === 'https:' });
  }
  return {
    user: locals.user,
    csrf: locals.session?.csrfToken ?? '',
    lang,
  };
};
