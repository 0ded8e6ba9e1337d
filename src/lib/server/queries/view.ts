// What every analytics load does first: check the role (server-side, via the access guard), limit a
// CAIO to their ministry, and turn the URL into Filters (400 with the reason when it is malformed).
// The only SvelteKit-aware module under queries/: the query modules themselves stay plain.
import { error } from '@sveltejs/kit';
import { loadEnv } from '../../../../config/env.ts';
import { getClickHouse } from '../../../../clickhouse/client.ts';
import { plannedUsers } from '../../../../contracts/ministries.ts';
import { ministryScope, requireRole, canSeeRawText, type HasUser, type Role, type SessionUser } from '../auth/guard.ts';
import type { ClickHouseClient } from './db.ts';
import { FilterError, ScopeError, addDays, filtersToQuery, isoDay, parseFilters, type Filters } from './filters.ts';
import { filterOptions, latestDataDay } from './overview.ts';

export interface View<F extends Filters = Filters> {
  client: ClickHouseClient;
  user: SessionUser;
  scope: string | null;
  filters: F;
  planned: Map<string, number>;
  /** The filters as a query string, for CSV links and navigation that keeps the view. */
  query: string;
  /** The same without a fixed ministry (the page's own), for the filter form and links to other pages. */
  formQuery: string;
  /** May the viewer read raw text across all ministries (admin, reviewer)? */
  rawTextAll: boolean;
  options: { apps: string[]; models: string[] };
  /** False when no usage was ever recorded: pages show how to get data in. */
  hasData: boolean;
}

export interface ViewOptions {
  /** The ministry the page is about (/ministries/[code]): replaces `?ministry=`, still subject to the scope. */
  fixedMinistry?: string;
}

/** With a fixed ministry the filters always carry it (parseFilters sets it or refuses the scope). */
export async function openView(locals: HasUser, url: URL, roles: Role[], opts: { fixedMinistry: string }): Promise<View<Filters & { ministry: string }>>;
export async function openView(locals: HasUser, url: URL, roles: Role[], opts?: ViewOptions): Promise<View>;
export async function openView(locals: HasUser, url: URL, roles: Role[], opts: ViewOptions = {}): Promise<View> {
  const user = requireRole(locals, ...roles);
  const scope = ministryScope(locals);
  const client = await getClickHouse();
  const today = isoDay(new Date());
  // Default to the last complete day with data: today is still filling up and would read as a drop.
  // Only when nothing older exists (a fresh install) is today itself the default.
  const latest = (await latestDataDay(client, addDays(today, -1))) ?? (await latestDataDay(client, today));
  let filters: Filters;
  try {
    filters = parseFilters(url.searchParams, { scope, defaultTo: latest ?? today, fixedMinistry: opts.fixedMinistry });
  } catch (err) {
    if (err instanceof FilterError || err instanceof ScopeError) error(err.status, err.message);
    throw err;
  }
  const env = loadEnv();
  return {
    client,
    user,
    scope,
    filters,
    planned: plannedUsers(env.OVERSIGHT_PLANNED_USERS),
    query: filtersToQuery(filters),
    formQuery: filtersToQuery(opts.fixedMinistry === undefined ? filters : { ...filters, ministry: null }),
    rawTextAll: canSeeRawText(locals, '') && user.role !== 'caio',
    options: await filterOptions(client, scope),
    hasData: latest !== null,
  };
}

/** The part of a View the page components need (nothing server-only). */
export function viewData(v: View) {
  return { filters: v.filters, query: v.query, formQuery: v.formQuery, options: v.options, scope: v.scope, hasData: v.hasData };
}
