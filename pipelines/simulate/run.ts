// Drives a simulation into a sink with progress and measurements: what the CLI and the bench use.
import { Simulation, type PlantRecord, type SimulationOptions } from './generator.ts';
import type { GroundTruthSummary } from './ground-truth.ts';
import type { EventSink } from './sinks.ts';

export interface RunStats {
  events: number;
  seconds: number;
  events_per_second: number;
  peak_rss_mb: number;
}

export interface RunResult {
  stats: RunStats;
  truth: GroundTruthSummary;
}

export async function runSimulation(
  options: SimulationOptions,
  sink: EventSink,
  hooks: { progress?: (line: string) => void; onPlant?: (r: PlantRecord) => void } = {},
): Promise<RunResult> {
  let peakRss = process.memoryUsage().rss;
  let events = 0;
  const started = performance.now();
  const simulation = new Simulation({
    ...options,
    onPlant: hooks.onPlant,
    onDay: (d) => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      const elapsed = (performance.now() - started) / 1000;
      hooks.progress?.(
        `day ${d.dayIndex + 1}/${d.days} ${d.date}: ${d.activeUsers} active users, ${d.requests} requests; ` +
          `${events} events so far (${Math.round(events / Math.max(elapsed, 0.001))}/s, RSS ${Math.round(peakRss / 1e6)} MB)`,
      );
    },
  });
  try {
    for (const e of simulation.events()) {
      const pending = sink.write(e);
      if (pending) await pending;
      events++;
      // Sample memory now and then, not per event: process.memoryUsage() is a syscall.
      if ((events & 0xffff) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  } finally {
    await sink.close();
  }
  const seconds = (performance.now() - started) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    stats: { events, seconds: Math.round(seconds * 100) / 100, events_per_second: Math.round(events / seconds), peak_rss_mb: Math.round(peakRss / 1e6) },
    truth: simulation.truth.summary(),
  };
}
