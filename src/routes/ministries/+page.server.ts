// The list of ministries with their monthly active users and adoption; a CAIO goes straight to theirs.
import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { openView, viewData } from '$lib/server/queries/view.ts';
import { ALL_ROLES } from '$lib/server/queries/tables.ts';
import { ministryAdoption } from '$lib/server/queries/overview.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  const v = await openView(locals, url, ALL_ROLES);
  if (v.scope !== null) redirect(303, `/ministries/${v.scope}?${url.searchParams}`);
  return { ...viewData(v), rows: await ministryAdoption(v.client, { ...v.filters, ministry: null }, v.planned) };
};
