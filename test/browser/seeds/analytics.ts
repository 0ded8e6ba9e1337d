// Usage, outputs and feedback for the analytics pages' browser tests: two weeks of known traffic in
// two ministries, on the 14 whole days before the run's anchor's day (anchor.ts: dayBefore(1) to
// dayBefore(14)), so every figure the pages show is known in advance (see ANALYTICS below) and none
// of it is on a day the server's clock may still be in. One request carries a model name made of
// markup: it must show as text.
import type { ClickHouseClient } from '@clickhouse/client';
import { dayBefore, type SeedContext } from '../anchor.ts';

export const HOSTILE_MODEL = '<img src=x onerror=alert(1)>';
const MOF_USERS = ['mof-a', 'mof-b', 'mof-c', 'mof-d', 'mof-e'];
const MHLW_USERS = ['mhlw-a', 'mhlw-b', 'mhlw-c'];
const DAYS = 14;

/** Figures for the 30 days ending on dayBefore(1), the newest seeded day, as the pages must show them. */
export const ANALYTICS = {
  mau: MOF_USERS.length + 1 + MHLW_USERS.length,
  mauMof: MOF_USERS.length + 1,
  dau: MOF_USERS.length + MHLW_USERS.length,
  requestsChat: DAYS * MOF_USERS.length * 2,
  requestsTranslation: DAYS * MHLW_USERS.length,
  requestsDrafting: 1,
  /** mof: one thumbs-down and three thumbs-up a day. */
  thumbsDownRate: '25.0%',
  days: DAYS,
};

export async function seed(client: ClickHouseClient, ctx: SeedContext): Promise<void> {
  const usage: Record<string, unknown>[] = [];
  const outputs: Record<string, unknown>[] = [];
  const feedback: Record<string, unknown>[] = [];
  let n = 0;
  const request = (day: string, ministry: string, user: string, app: string, model: string, latency: number) => {
    n++;
    const at = `${day}T${String(8 + (n % 9)).padStart(2, '0')}:15:00.000Z`;
    usage.push({ event_id: `an-e${n}`, occurred_at: at, ministry, user_id: user, session_id: `an-s${n}`, request_id: `an-r${n}`, app, model, input_tokens: 100, output_tokens: 200, latency_ms: latency, status: 'ok', src_topic: 'seed' });
    outputs.push({ output_id: `an-o${n}`, request_id: `an-r${n}`, occurred_at: at, ministry, app, model, user_id: user, language: 'ja', confidentiality_level: 2, prompt: '質問', response: '回答', sources: '[]', src_topic: 'seed' });
    return { id: `an-o${n}`, at, ministry, app, model };
  };
  for (let d = 1; d <= DAYS; d++) {
    const day = dayBefore(ctx.anchor, d);
    const mofOutputs = [];
    for (const u of MOF_USERS) for (let k = 0; k < 2; k++) mofOutputs.push(request(day, 'mof', u, 'chat', 'tsuzumi-2', 900 + 10 * k));
    for (const u of MHLW_USERS) request(day, 'mhlw', u, 'translation', 'plamo-2', 1500);
    if (d === 3) request(day, 'mof', 'mof-f', 'drafting', HOSTILE_MODEL, 2000);
    mofOutputs.slice(0, 4).forEach((o, i) => feedback.push({ output_id: o.id, occurred_at: o.at, rating: i === 0 ? 'down' : 'up', reason: '', comment: '', ministry: o.ministry, app: o.app, model: o.model, src_topic: 'seed' }));
  }
  await client.insert({ table: 'usage_events', values: usage, format: 'JSONEachRow' });
  await client.insert({ table: 'outputs', values: outputs, format: 'JSONEachRow' });
  await client.insert({ table: 'feedback', values: feedback, format: 'JSONEachRow' });
  await client.insert({
    table: 'ingest_errors',
    values: [{ topic: 'genai.outputs.v1', partition: 0, offset: 42, error: 'prompt: expected string', original_base64: Buffer.from('{"output_id":"bad","prompt":"秘密の本文"}').toString('base64') }],
    format: 'JSONEachRow',
  });
}
