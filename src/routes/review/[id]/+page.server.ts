// One review item: the output's prompt, response and sources (an audited raw view), the evaluators'
// flags, and the viewer's own label (prefilled, so labeling resumes; another reviewer's label is never
// shown, so the second label stays blind). Saving moves on to the next item the viewer has to label.
import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { getClickHouse, queryRows } from '$clickhouse/client.ts';
import { REVIEW_CATEGORIES } from '$contracts/review.ts';
import { ministryScope, requireLabeling } from '$lib/server/auth/guard.ts';
import { actorOf, recordRawView } from '$lib/server/audit.ts';
import { getIncidentOutput } from '$lib/server/incident-detail.ts';
import { liveFlagsOfOutput } from '$clickhouse/stores/evaluation.ts';
import { ReviewError, getReviewItem, labelFromForm, labelsOf, neighbours, saveLabel } from '$lib/server/review/labels.ts';
import { existingIncident, openIncidentFromMiss } from '$lib/server/review/misses.ts';

async function itemFor(event: Pick<RequestEvent, 'locals' | 'params'>) {
  requireLabeling(event.locals);
  const client = await getClickHouse();
  const item = await getReviewItem(client, event.params.id);
  if (!item) error(404, `No review item ${event.params.id}`);
  // Before anything of the item is read: a CAIO editing the URL to another ministry's item gets 403.
  requireLabeling(event.locals, item.ministry);
  return { client, item };
}

async function sourcesOf(client: Awaited<ReturnType<typeof getClickHouse>>, outputId: string) {
  const [row] = await queryRows<{ sources: string }>(client, 'SELECT sources FROM outputs FINAL WHERE output_id = {id:String}', { id: outputId });
  try {
    const parsed: unknown = JSON.parse(row?.sources || '[]');
    return Array.isArray(parsed) ? parsed.map((s) => ({ id: String(s?.id ?? ''), title: String(s?.title ?? ''), url: String(s?.url ?? ''), excerpt: String(s?.excerpt ?? '') })) : [];
  } catch {
    return [];
  }
}

export const load: PageServerLoad = async (event) => {
  const { client, item } = await itemFor(event);
  const user = event.locals.user!;
  const [output, flags, sources, mine, nav] = await Promise.all([
    getIncidentOutput(client, item.output_id),
    liveFlagsOfOutput(client, item.output_id),
    sourcesOf(client, item.output_id),
    labelsOf(client, item.item_id, user.username),
    neighbours(client, item, ministryScope(event.locals), user.username),
  ]);
  await recordRawView(client, event, { target: item.item_id, ministry: item.ministry, detail: { output_id: item.output_id, page: 'review_item' } });
  const flaggedCategories = new Set(flags.filter((f) => f.severity !== 'info').map((f) => f.category));
  const incidents = Object.fromEntries(
    await Promise.all(REVIEW_CATEGORIES.map(async (c) => [c, mine.some((l) => l.category === c && l.finding === 1) ? await existingIncident(client, item.output_id, c) : null] as const)),
  );
  return {
    item: { ...item, labelers: undefined, labelCount: item.labelers.length },
    output: output ?? null,
    sources,
    flags,
    flaggedCategories: [...flaggedCategories],
    mine,
    incidents,
    nav,
    categories: [...REVIEW_CATEGORIES],
  };
};

function refusal(err: unknown) {
  if (err instanceof ReviewError) return fail(err.status, { error: err.message });
  throw err;
}

export const actions: Actions = {
  label: async (event) => {
    const { client, item } = await itemFor(event);
    const form = await event.request.formData();
    const output = await getIncidentOutput(client, item.output_id);
    try {
      await saveLabel(client, labelFromForm(item.item_id, form), { prompt: output?.prompt ?? '', response: output?.response ?? '' }, { who: actorOf(event), scope: ministryScope(event.locals) });
    } catch (err) {
      return refusal(err);
    }
    if (form.get('stay') === '1') return { saved: true };
    const nav = await neighbours(client, item, ministryScope(event.locals), event.locals.user!.username);
    redirect(303, nav.nextTodo ? `/review/${nav.nextTodo}` : '/review?show=mine');
  },
  incident: async (event) => {
    const { client, item } = await itemFor(event);
    const form = await event.request.formData();
    try {
      const r = await openIncidentFromMiss(client, item.item_id, String(form.get('category') ?? ''), { who: actorOf(event), scope: ministryScope(event.locals) });
      return { incident: r.incident_id, created: r.created };
    } catch (err) {
      return refusal(err);
    }
  },
};
