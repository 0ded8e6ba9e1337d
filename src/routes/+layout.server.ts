// Data every page's layout needs: who is signed in (for the nav and the sign-out form) and the
// session's CSRF token, which every form that POSTs must send back as the hidden field `csrf`.
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => ({
  user: locals.user,
  csrf: locals.session?.csrfToken ?? '',
});
