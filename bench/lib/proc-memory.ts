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
