// Bench traffic comes from the simulator's function API (pipelines/simulate), so every section reads
// events shaped like pilot traffic: Japanese prompts and answers, citations, planted risks, look-alikes.
import type { EventKind } from '../../contracts/events.ts';

export const SIM_SEED = 'oversight-bench';
/** A window late in the simulated pilot, when adoption has ramped up. */
export const SIM_START = '2026-10-05';

export interface SimBatch {
  usage: object[];
  outputs: object[];
  feedback: object[];
}

/**
 * Collects up to `want[kind]` events of each kind from the simulator; scale and days are chosen so
 * one pass yields enough (about 1.2 usage events per simulated user and day at scale 1).
 */
export async function simulatedEvents(want: Partial<Record<EventKind, number>>, onProgress?: (n: number) => void): Promise<SimBatch> {
  const { simulateEvents } = await import('../../pipelines/simulate/index.ts');
  const most = Math.max(want.usage ?? 0, want.outputs ?? 0, (want.feedback ?? 0) * 20);
  const days = 14;
  const scale = Math.min(10, Math.max(0.01, (most * 1.3) / (180_000 * 1.2 * days)));
  const out: SimBatch = { usage: [], outputs: [], feedback: [] };
  let seen = 0;
  for await (const e of simulateEvents({ seed: SIM_SEED, start: SIM_START, days, scale })) {
    const list = out[e.kind];
    if (list.length < (want[e.kind] ?? 0)) list.push(e.event);
    if (++seen % 100_000 === 0) onProgress?.(seen);
    if ((['usage', 'outputs', 'feedback'] as const).every((k) => out[k].length >= (want[k] ?? 0))) break;
  }
  return out;
}
