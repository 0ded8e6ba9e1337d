// Public API of the traffic simulator: in-process generation for bench, tests and the demo.
export { Simulation, createSimulation, simulateEvents, plantRates, validateOptions, adoptionOn, dayKind, DEFAULT_SCALE } from './generator.ts';
export type { SimEvent, SimulationOptions, PlantRecord, DayProgress } from './generator.ts';
export type { GroundTruthSummary, PlantSummary } from './ground-truth.ts';
export { createFileSink, createKafkaSink, fileNameFor, keyOf } from './sinks.ts';
export type { EventSink } from './sinks.ts';
export { runSimulation } from './run.ts';
export type { RunResult, RunStats } from './run.ts';
export { PLANTS } from './content/plants.ts';
