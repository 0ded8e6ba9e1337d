// Pages of a long, server-sorted table (the incident queue, the audit log): `page` (1-based) and `per`
// live in the URL like every other filter; the server answers with one page (LIMIT/OFFSET over an
// ORDER BY that ends in a unique key, so pages neither overlap nor skip) and the total.
// No server imports: the pages build their links and the "N–M of T" line from the same numbers.

export const PER_PAGE = [50, 100, 200] as const;
export type PerPage = (typeof PER_PAGE)[number];
export const DEFAULT_PER: PerPage = 100;
/** Far beyond any real queue; keeps OFFSET within what a UInt64 parameter and a person would use. */
const MAX_PAGE = 1_000_000;

export interface Paging {
  page: number;
  per: PerPage;
}

/** `page` and `per` from the URL; anything else (0, -1, 2.5, 75, "x") falls back to the default. */
export function parsePaging(params: URLSearchParams): Paging {
  const page = Number(params.get('page') ?? 1);
  const per = Number(params.get('per') ?? DEFAULT_PER);
  return {
    page: Number.isInteger(page) && page >= 1 ? Math.min(page, MAX_PAGE) : 1,
    per: (PER_PAGE as readonly number[]).includes(per) ? (per as PerPage) : DEFAULT_PER,
  };
}

export interface PageWindow {
  limit: number;
  offset: number;
}

export function pageWindow(p: Paging): PageWindow {
  return { limit: p.per, offset: (p.page - 1) * p.per };
}

export interface PageInfo extends Paging {
  total: number;
  pages: number;
  /** 1-based position of the first and last row shown; 0 and 0 when there is nothing. */
  from: number;
  to: number;
}

/** The page actually shown: a page past the end (rows went away since the link was made) becomes the last one. */
export function pageInfo(total: number, p: Paging): PageInfo {
  const pages = Math.max(1, Math.ceil(total / p.per));
  const page = Math.min(p.page, pages);
  const from = total === 0 ? 0 : (page - 1) * p.per + 1;
  return { page, per: p.per, total, pages, from, to: Math.min(total, page * p.per) };
}

/**
 * The query string for another page of the same view: every other parameter (filters, sort, lang)
 * is kept; SvelteKit's form-action marker (`/assign`) is dropped; page 1 and the default size are left
 * out so the plain URL stays plain.
 */
export function pageQuery(current: URLSearchParams, changes: { page?: number; per?: number }): string {
  const params = new URLSearchParams();
  for (const [k, v] of current) if (!k.startsWith('/')) params.append(k, v);
  if (changes.page !== undefined) {
    if (changes.page > 1) params.set('page', String(changes.page));
    else params.delete('page');
  }
  if (changes.per !== undefined) {
    if (changes.per !== DEFAULT_PER) params.set('per', String(changes.per));
    else params.delete('per');
  }
  const s = params.toString();
  return s ? `?${s}` : '?';
}

/** `?…&/name` (or `?/name`): a form action that posts back to the same view, filters and page included. */
export function actionQuery(current: URLSearchParams, name: string): string {
  const q = pageQuery(current, {});
  return q === '?' ? `?/${name}` : `${q}&/${name}`;
}

/** `path` with the view's filters (not the page: an export has every row). */
export function exportHref(path: string, current: URLSearchParams): string {
  const q = pageQuery(current, { page: 1 });
  return q === '?' ? path : `${path}${q}`;
}
