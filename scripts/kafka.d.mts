// Types of scripts/kafka.mjs for the TypeScript test harness.
export declare const KAFKA_VERSION: string;
export declare const KAFKA_HOME: string;
export declare class KafkaSetupError extends Error {}
export declare function fetchKafka(opts?: { log?: (line: string) => void }): string;
export declare function freePort(): Promise<number>;
export declare function brokerAnswersMetadata(port: number, timeoutMs?: number): Promise<boolean>;
export interface RunningBroker {
  /** host:port for KAFKA_BROKERS. */
  brokers: string;
  port: number;
  dir: string;
  pid(): number | undefined;
  /** Stops the broker gracefully, keeping its data (an outage). */
  pause(): Promise<void>;
  /** Stops it (if running) and starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops it for good and removes its data directory when startBroker created it. */
  stop(): Promise<void>;
}
export declare function startBroker(opts?: { dir?: string; timeoutMs?: number; log?: (line: string) => void }): Promise<RunningBroker>;
