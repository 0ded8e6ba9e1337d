// The review queue: the sampled items in the viewer's scope, the ones they still have to label first
// (resume where they stopped), the sampling record, and for admins a "sample this week now" action.
import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { loadEnv } from '../../../config/env.ts';
import { ministryScope, requireLabeling, requireRole } from '$lib/server/auth/guard.ts';
import { actorOf } from '$lib/server/audit.ts';
import { listQueue } from '$lib/server/review/labels.ts';
import { configuredRule, listRounds, sampleWeek } from '$lib/server/review/samples.ts';
import { weekOf } from '$lib/server/review/sampling.ts';

const SHOW = ['todo', 'mine', 'all'] as const;

export const load: PageServerLoad = async ({ locals, url }) => {
  const user = requireLabeling(locals);
  const client = await getClickHouse();
  const showParam = url.searchParams.get('show');
  const show = (SHOW as readonly string[]).includes(showParam ?? '') ? (showParam as (typeof SHOW)[number]) : 'todo';
  const scope = ministryScope(locals);
  const [queue, rounds] = await Promise.all([listQueue(client, { scope, reviewer: user.username, show, limit: 300 }), listRounds(client, 20)]);
  const firstTodo = show === 'todo' ? queue.items[0]?.item_id : (await listQueue(client, { scope, reviewer: user.username, show: 'todo', limit: 1 })).items[0]?.item_id;
  return {
    show,
    items: queue.items.map((i) => ({ ...i, mine: i.labelers.includes(user.username), labels: i.labelers.length })),
    total: queue.total,
    todo: queue.todo,
    resume: firstTodo ?? null,
    rounds: user.role === 'admin' ? rounds : [],
    canSample: user.role === 'admin',
    thisWeek: weekOf(new Date().toISOString()),
  };
};

export const actions: Actions = {
  // An admin draws a week's sample by hand (the scheduler draws completed weeks on its own).
  sample: async (event) => {
    requireRole(event.locals, 'admin');
    const form = await event.request.formData();
    const day = String(form.get('week') ?? '');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) return fail(400, { error: `week must be a date like 2026-11-02, got ${JSON.stringify(day)}` });
    const rule = configuredRule(loadEnv().OVERSIGHT_REVIEW_RULE);
    const r = await sampleWeek(await getClickHouse(), { week: weekOf(day), rule, who: actorOf(event), trigger: 'manual' });
    return { sampled: r };
  },
};
