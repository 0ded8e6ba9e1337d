// What every analytics load does first: check the role (server-side, via the access guard), limit a
// CAIO to their ministry, and turn the URL into Filters (400 with the reason when it is malformed).
// The only SvelteKit-aware module under queries/: the query modules themselves stay plain.
import { error } from '@sveltejs/kit';
import { loadEnv } from '../../../../config/env.ts';
import { getClickHouse } from '../../../../clickhouse/client.ts';
import { plannedUsers } from '../../../../contracts/ministries.ts';
import { ministryScope, requireRole, canSeeRawText, type HasUser, type Role, type SessionUser } from '../auth/guard.ts';
import type { ClickHouseClient } from './db.ts';
import { FilterError, addDays, filtersToQuery, isoDay, parseFilters, type Filters } from './filters.ts';
import { filterOptions, latestDataDay } from './overview.ts';

export interface View {
  client: ClickHouseClient;
  user: SessionUser;
  scope: string | null;
  filters: Filters;
  planned: Map<string, number>;
  /** The filters as a query string, for CSV links and navigation that keeps the view. */
  query: string;
  /** May the viewer read raw text across all ministries (admin, reviewer)? */
  rawTextAll: boolean;
  options: { apps: string[]; models: string[] };
  /** False when no usage was ever recorded: pages show how to get data in. */
  hasData: boolean;
}

export async function openView(locals: HasUser, url: URL, roles: Role[], override: Partial<Filters> = {}): Promise<View> {
  const user = requireRole(locals, ...roles);
  const scope = ministryScope(locals);
  const client = await getClickHouse();
  const today = isoDay(new Date());
  // Default to the last complete day with data: today is still filling up and would read as a drop.
  // Only when nothing older exists (a fresh install) is today itself the default.
  const latest = (await latestDataDay(client, addDays(today, -1))) ?? (await latestDataDay(client, today));
  let filters: Filters;
  try {
    filters = { ...parseFilters(url.searchParams, { scope, defaultTo: latest ?? today }), ...override };
  } catch (err) {
    if (err instanceof FilterError) error(/only view/.test(err.message) ? 403 : 400, err.message);
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
    rawTextAll: canSeeRawText(locals, '') && user.role !== 'caio',
    options: await filterOptions(client, scope),
    hasData: latest !== null,
  };
}

/** The part of a View the page components need (nothing server-only). */
export function viewData(v: View) {
  return { filters: v.filters, query: v.query, options: v.options, scope: v.scope, hasData: v.hasData };
}
