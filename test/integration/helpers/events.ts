// Deterministic test events. `tag` goes into the model name, so a test can count its own rows in the
// rollups (which are grouped by ministry × app × model) even in a shared database.
const MINISTRIES = ['mof', 'mhlw', 'da', 'moj', 'mofa', 'meti'] as const;

function at(i: number): string {
  return new Date(Date.UTC(2026, 9, 1 + (i % 28), 8 + (i % 10), i % 60, 0, i % 1000)).toISOString();
}

export function usage(i: number, tag: string, extra: Record<string, unknown> = {}) {
  return {
    event_id: `${tag}-u-${i}`,
    occurred_at: at(i),
    ministry: MINISTRIES[i % MINISTRIES.length],
    user_id: `${tag}-user-${i % 97}`,
    session_id: `${tag}-s-${i % 301}`,
    request_id: `${tag}-r-${i}`,
    app: 'chat',
    model: `m-${tag}`,
    input_tokens: 100 + (i % 50),
    output_tokens: 300 + (i % 70),
    latency_ms: 400 + (i % 900),
    status: i % 17 === 0 ? 'error' : 'ok',
    ...extra,
  };
}

export function output(i: number, tag: string, extra: Record<string, unknown> = {}) {
  return {
    output_id: `${tag}-o-${i}`,
    request_id: `${tag}-r-${i}`,
    occurred_at: at(i),
    ministry: MINISTRIES[i % MINISTRIES.length],
    app: 'drafting',
    model: `m-${tag}`,
    user_id: `${tag}-user-${i % 97}`,
    language: 'ja',
    confidentiality_level: 2,
    prompt: `質問 ${i}`,
    response: `回答 ${i}: 行政手続法第5条に基づきます。`,
    sources: [{ id: `doc-${i % 13}`, title: '行政手続法', excerpt: '第五条' }],
    ...extra,
  };
}

export function feedback(i: number, tag: string, extra: Record<string, unknown> = {}) {
  return {
    output_id: `${tag}-o-${i}`,
    occurred_at: at(i + 1),
    rating: i % 4 === 0 ? 'down' : 'up',
    ...extra,
  };
}

export const line = (o: unknown) => JSON.stringify(o);
