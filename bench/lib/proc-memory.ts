// Peak resident memory of a child process, sampled from /proc/<pid>/status (Linux). VmHWM is the
// kernel's own high-water mark, so a short spike between two samples is still counted. RssAnon (heap,
// stacks, buffers) is tracked apart from RssFile (mapped files: chDB's ~540 MB ClickHouse library pages
// that the process touched), because only the first grows with the data being ingested.
import { readFileSync } from 'node:fs';

export interface MemorySample {
  rssKb: number;
  hwmKb: number;
  anonKb: number;
  fileKb: number;
}

export function readMemory(pid: number): MemorySample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), anonKb: kb('RssAnon'), fileKb: kb('RssFile') };
  } catch {
    return null; // the process has exited
  }
}

export interface PeakMemory {
  /** max(VmHWM, VmRSS) in MB */
  peakMb: number;
  /** largest RssAnon seen, MB */
  peakAnonMb: number;
  /** largest RssFile seen, MB */
  peakFileMb: number;
}

/** Samples a pid until stop(). */
export function watchPeakMemory(pid: number, everyMs = 100): { stop(): PeakMemory } {
  const peak = { hwm: 0, anon: 0, file: 0 };
  const sample = () => {
    const m = readMemory(pid);
    if (!m) return;
    peak.hwm = Math.max(peak.hwm, m.hwmKb, m.rssKb);
    peak.anon = Math.max(peak.anon, m.anonKb);
    peak.file = Math.max(peak.file, m.fileKb);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return { peakMb: peak.hwm / 1024, peakAnonMb: peak.anon / 1024, peakFileMb: peak.file / 1024 };
    },
  };
}

export interface SteadyMemory {
  /** Mean VmRSS over the second half of the window, MB: what the process settles at. */
  steadyMb: number;
  /** VmRSS at the start of the window, MB. */
  firstMb: number;
  /** Mean RssAnon / RssFile over the second half, MB. */
  anonMb: number;
  fileMb: number;
  /** One VmRSS sample a second, MB, for the results' details. */
  timelineMb: number[];
}

/**
 * Samples a pid for `ms` and returns where its RSS settles: the mean of the second half of the window,
 * so memory that is still being returned in the first seconds (freed buffers, a merge finishing)
 * counts against the settle, not against the steady figure. Null if the process exited.
 */
export async function sampleSteadyMemory(pid: number, ms: number, everyMs = 200): Promise<SteadyMemory | null> {
  const samples: MemorySample[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const m = readMemory(pid);
    if (!m) return null;
    samples.push(m);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  if (!samples.length) return null;
  const tail = samples.slice(Math.floor(samples.length / 2));
  const mean = (f: (m: MemorySample) => number) => tail.reduce((s, m) => s + f(m), 0) / tail.length / 1024;
  const perSecond = Math.max(1, Math.round(1000 / everyMs));
  return {
    steadyMb: mean((m) => m.rssKb),
    firstMb: samples[0].rssKb / 1024,
    anonMb: mean((m) => m.anonKb),
    fileMb: mean((m) => m.fileKb),
    timelineMb: samples.filter((_, i) => i % perSecond === 0).map((m) => Math.round(m.rssKb / 1024)),
  };
}
