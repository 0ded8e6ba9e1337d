// The list of ministries with their monthly active users and adoption; a CAIO goes straight to theirs.
import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { MINISTRIES } from '$contracts/ministries.ts';
import { openView, viewData } from '$lib/server/queries/view.ts';
import { ALL_ROLES } from '$lib/server/queries/tables.ts';
import { mauByMinistry } from '$lib/server/queries/overview.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  const v = await openView(locals, url, ALL_ROLES);
  if (v.scope !== null) redirect(303, `/ministries/${v.scope}?${url.searchParams}`);
  const mau = await mauByMinistry(v.client, v.filters);
  const rows = MINISTRIES.map((m) => {
    const planned = v.planned.get(m.code) ?? 0;
    const active = mau.get(m.code) ?? 0;
    return { code: m.code, planned, mau: active, adoption_pct: planned ? (active / planned) * 100 : null };
  });
  return { ...viewData(v), rows };
};
