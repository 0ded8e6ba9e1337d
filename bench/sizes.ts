// How big each section's work is. The full run stays well under 25 minutes on 2 shared cores; the
// quick run under 2 minutes. Sizes are recorded in every result file.
export interface BenchSizes {
  /** Usage events through Kafka (bare loop and ingester each read them all). */
  kafkaEvents: number;
  kafkaPartitions: number;
  /** Distinct simulated usage events behind the Kafka run; more are copies with suffixed ids. */
  kafkaSample: number;
  /** Events per kind through the file source. */
  fileEvents: { usage: number; outputs: number; feedback: number };
  /** Simulated outputs each evaluator reads. */
  evaluatorOutputs: number;
  dashboard: { sizes: number[]; days: number; rollupRuns: number; rawRuns: number };
  /** Seconds the ingester's RSS is sampled after its last commit (the idle RSS row). */
  idleSeconds: number;
  /** Outputs the memory section's serving child builds before answering every dashboard page. */
  memoryServingOutputs: number;
}

export function sizesFor(quick: boolean): BenchSizes {
  return quick
    ? {
        kafkaEvents: 50_000,
        kafkaPartitions: 4,
        kafkaSample: 20_000,
        fileEvents: { usage: 20_000, outputs: 3_000, feedback: 500 },
        evaluatorOutputs: 5_000,
        dashboard: { sizes: [200_000], days: 120, rollupRuns: 9, rawRuns: 3 },
        idleSeconds: 6,
        memoryServingOutputs: 200_000,
      }
    : {
        kafkaEvents: 500_000,
        kafkaPartitions: 4,
        kafkaSample: 100_000,
        fileEvents: { usage: 200_000, outputs: 30_000, feedback: 3_000 },
        evaluatorOutputs: 30_000,
        dashboard: { sizes: [1_000_000, 10_000_000], days: 120, rollupRuns: 20, rawRuns: 3 },
        idleSeconds: 20,
        memoryServingOutputs: 1_000_000,
      };
}
