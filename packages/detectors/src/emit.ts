import type {
  AlertDescription,
  AlertLabels,
  AlertLifecycle,
  AlertSignal,
  LifecycleOptions,
} from '@aiops/alerts';
import { conditionKey } from '@aiops/alerts';
import type { Alert, AlertSeverity } from '@aiops/contract';

const NOTHING: AlertDescription = Object.freeze({ summary: '', evidence: Object.freeze({}) });
const describeNothing = (): AlertDescription => NOTHING;

/**
 * Where detectors report their verdicts for one scope (a series, or a tenant/application): a breach (its
 * sentence and evidence are built lazily, only for a notification), or a clean observation, which costs one map lookup and is passed on only when
 * the lifecycle tracks that condition (to drop a pending alert or let a firing one recover).
 */
export class Emitter {
  private readonly keys = new Map<string, Map<string, string>>();
  constructor(
    readonly labels: AlertLabels,
    private readonly lifecycle: AlertLifecycle,
    private readonly sink: { alerts: Alert[] },
    private readonly options: () => LifecycleOptions,
  ) {}

  key(detector: string, signal: string): string {
    let byDetector = this.keys.get(detector);
    if (byDetector === undefined) {
      byDetector = new Map();
      this.keys.set(detector, byDetector);
    }
    let key = byDetector.get(signal);
    if (key === undefined) {
      key = conditionKey(detector, signal, this.labels);
      byDetector.set(signal, key);
    }
    return key;
  }

  /** Whether the lifecycle tracks this condition (pending or firing). */
  tracks(detector: string, signal: string): boolean {
    return this.lifecycle.get(this.key(detector, signal)) !== undefined;
  }

  breach(
    detector: string,
    signal: string,
    severity: AlertSeverity,
    window: { readonly start: number; readonly end: number },
    observed: number,
    expected: number,
    threshold: number,
    score: number,
    describe: () => AlertDescription,
    /** The lifecycle's pending time for this condition when it differs from the rules' (a sequential test). */
    pendingForMs?: number,
  ): void {
    const options = this.options();
    this.send({
      detector,
      signal,
      labels: this.labels,
      key: this.key(detector, signal),
      breached: true,
      severity,
      window_start: window.start,
      window_end: window.end,
      observed,
      expected,
      threshold,
      score,
      describe,
      lifecycle:
        pendingForMs === undefined || pendingForMs === options.pendingForMs
          ? options
          : { ...options, pendingForMs },
    });
  }

  clear(
    detector: string,
    signal: string,
    window: { readonly start: number; readonly end: number },
    observed: number,
    expected: number,
    threshold: number,
    score: number,
  ): void {
    const key = this.key(detector, signal);
    if (this.lifecycle.get(key) === undefined) return;
    this.send({
      detector,
      signal,
      labels: this.labels,
      key,
      breached: false,
      severity: 'info',
      window_start: window.start,
      window_end: window.end,
      observed,
      expected,
      threshold,
      score,
      describe: describeNothing,
      lifecycle: this.options(),
    });
  }

  private send(signal: AlertSignal): void {
    const alert = this.lifecycle.observe(signal);
    if (alert !== null) this.sink.alerts.push(alert);
  }
}

/** "openai/gpt-4o chat (acme/support-bot, prod)" — how sentences name a series; wider scopes drop parts. */
export function describeScope(l: AlertLabels): string {
  const what = [l.provider && l.model ? `${l.provider}/${l.model}` : (l.provider ?? l.model), l.operation]
    .filter((p) => p)
    .join(' ');
  const where = [
    l.tenant_id && l.application ? `${l.tenant_id}/${l.application}` : (l.tenant_id ?? l.application),
    l.environment,
  ]
    .filter((p) => p)
    .join(', ');
  if (what && where) return `${what} (${where})`;
  return what || where || 'all traffic';
}
