/** What the stack reports about one service. */
export type ServiceName = 'kafka' | 'clickhouse';

export type ServiceState =
  | 'running' // started by this stack (pid file), alive and answering
  | 'starting' // started by this stack, alive, not answering yet
  | 'stopped' // not running
  | 'external' // provided by the environment (KAFKA_BROKERS / CLICKHOUSE_URL) and answering
  | 'unreachable' // provided by the environment, not answering
  | 'foreign'; // something this stack did not start answers on the port

export interface ServiceStatus {
  readonly name: ServiceName;
  readonly state: ServiceState;
  /** Kafka: "host:port[,host:port]"; ClickHouse: an HTTP URL. */
  readonly endpoint: string;
  readonly pid: number | null;
  readonly version: string | null;
  /** The file holding the process's output (null for external services). */
  readonly logFile: string | null;
}

export type UpAction = 'started' | 'already-running' | 'external';
/** `skipped`: external (KAFKA_BROKERS / CLICKHOUSE_URL) or not selected. */
export type DownAction = 'stopped' | 'killed' | 'not-running' | 'skipped';

export interface ServiceUp extends ServiceStatus {
  readonly action: UpAction;
  /** Wall time this service took in `up` (provisioning + start + readiness). */
  readonly durationMs: number;
  /** Steps taken, e.g. ["resolved jars (12.3 s)", "formatted storage"]. */
  readonly steps: readonly string[];
}

export interface ServiceDown {
  readonly name: ServiceName;
  readonly action: DownAction;
  readonly pid: number | null;
}
