// The per-session CSRF token. SvelteKit's origin check already refuses cross-site form posts; the token
// is the second lock, for browsers or proxies that strip Origin. Every state-changing request of a
// signed-in user must carry it, as the hidden form field `csrf` or the header `x-csrf-token`.
import { timingSafeEqual } from 'node:crypto';

export const CSRF_FIELD = 'csrf';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i;

export function tokensMatch(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when the request changes state and does not carry the session's token. */
export async function failsCsrf(request: Request, expected: string): Promise<boolean> {
  if (SAFE_METHODS.has(request.method)) return false;
  const header = request.headers.get(CSRF_HEADER);
  if (header !== null) return !tokensMatch(expected, header);
  if (!FORM_TYPES.test(request.headers.get('content-type') ?? '')) return true;
  try {
    // A clone, so the action reads the body untouched afterwards.
    const form = await request.clone().formData();
    const given = form.get(CSRF_FIELD);
    return !tokensMatch(expected, typeof given === 'string' ? given : null);
  } catch {
    return true;
  }
}
