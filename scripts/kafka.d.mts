// Types of scripts/kafka.mjs for the TypeScript test harness.
export declare const KAFKA_VERSION: string;
export declare const KAFKA_HOME: string;
export declare class KafkaSetupError extends Error {}
export declare function fetchKafka(opts?: { log?: (line: string) => void }): string;
export declare function freePort(): Promise<number>;
/** A KRaft cluster id that StorageTool's parser cannot take for an option (never starts with '-'). */
export declare function newClusterId(bytes?: (n: number) => Buffer): string;
export declare function brokerAnswersMetadata(port: number, timeoutMs?: number): Promise<boolean>;
export interface RunningBroker {
  /** host:port for KAFKA_BROKERS. */
  brokers: string;
  /** host:port of the SASL_SSL listener, when started with `saslSsl`. */
  saslSslBrokers?: string;
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
export interface SaslSslListener {
  /** PKCS#12 keystore with the server certificate and key. */
  keystore: string;
  keystorePassword: string;
  /** PLAIN users go into the listener's JAAS config; SCRAM users are created at format time. */
  users: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; name: string; password: string }[];
}
export declare function startBroker(opts?: { dir?: string; timeoutMs?: number; log?: (line: string) => void; saslSsl?: SaslSslListener }): Promise<RunningBroker>;
