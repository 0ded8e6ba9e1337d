// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, largest first, so the bench
// can say where a slow path spends its CPU without opening DevTools.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface HotFunction {
  fn: string;
  where: string;
  self_pct: number;
}

export function summarizeProfile(path: string, root: string, top = 15): HotFunction[] {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const selfUs = new Map<number, number>();
  prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  for (const n of prof.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    total += us;
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    const where = url ? `${url.startsWith(root) ? relative(root, url) : url}:${n.callFrame.lineNumber + 1}` : '(native)';
    const key = `${n.callFrame.functionName}@${where}`;
    const e = byFn.get(key) ?? { fn: n.callFrame.functionName || '(anonymous)', where, us: 0 };
    e.us += us;
    byFn.set(key, e);
  }
  return [...byFn.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ fn: e.fn, where: e.where, self_pct: Math.round((e.us / Math.max(total, 1)) * 1000) / 10 }));
}

/** The main thread's profile of the newest process in `dir` (node names them CPU.<date>.<time>.<pid>.<thread>.<seq>). */
export function newestProfile(dir: string): string | null {
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && /\.\d+\.0\.\d+\.cpuprofile$/.test(f)).sort();
    return files.length ? join(dir, files[files.length - 1]) : null;
  } catch {
    return null;
  }
}
