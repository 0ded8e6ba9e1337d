// Peak resident memory of a child process, sampled from /proc/<pid>/status (Linux). VmHWM is the
// kernel's own high-water mark, so a short spike between two samples is still counted.
import { readFileSync } from 'node:fs';

export interface MemorySample {
  rssKb: number;
  hwmKb: number;
}

export function readMemory(pid: number): MemorySample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return null; // the process has exited
  }
}

/** Samples a pid until stop(); returns the peak in MB (max of VmHWM and VmRSS seen). */
export function watchPeakMemory(pid: number, everyMs = 100): { stop(): number; peakMb(): number } {
  let peakKb = 0;
  const sample = () => {
    const m = readMemory(pid);
    if (m) peakKb = Math.max(peakKb, Number.isNaN(m.hwmKb) ? 0 : m.hwmKb, Number.isNaN(m.rssKb) ? 0 : m.rssKb);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return peakKb / 1024;
    },
    peakMb: () => peakKb / 1024,
  };
}
