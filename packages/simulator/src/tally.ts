import type { TelemetryEvent } from '@aiops/contract';

/** Running counts over produced events, for progress lines and end-of-run summaries. */
export interface EventTallySnapshot {
  readonly events: number;
  readonly errors: number;
  readonly byType: Readonly<Record<string, number>>;
  readonly byProvider: Readonly<Record<string, number>>;
  readonly errorsByType: Readonly<Record<string, number>>;
  readonly guardrailFlags: Readonly<Record<string, number>>;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Sum of the cost_usd producers reported (events left unpriced are not in it). */
  readonly reportedCostUsd: number;
  readonly unpricedCalls: number;
  readonly firstTimestamp: number | null;
  readonly lastTimestamp: number | null;
  readonly maxTimestamp: number | null;
}

export class EventTally {
  private events = 0;
  private errors = 0;
  private readonly byType: Record<string, number> = {};
  private readonly byProvider: Record<string, number> = {};
  private readonly errorsByType: Record<string, number> = {};
  private readonly guardrailFlags: Record<string, number> = {};
  private inputTokens = 0;
  private outputTokens = 0;
  private reportedCostUsd = 0;
  private unpricedCalls = 0;
  private first: number | null = null;
  private last: number | null = null;
  private max: number | null = null;

  add(event: TelemetryEvent): void {
    this.events++;
    this.byType[event.event_type] = (this.byType[event.event_type] ?? 0) + 1;
    this.byProvider[event.provider] = (this.byProvider[event.provider] ?? 0) + 1;
    if (event.status === 'error') {
      this.errors++;
      const type = event.error_type ?? 'unknown';
      this.errorsByType[type] = (this.errorsByType[type] ?? 0) + 1;
    }
    for (const flag of event.guardrail_flags)
      this.guardrailFlags[flag] = (this.guardrailFlags[flag] ?? 0) + 1;
    this.inputTokens += event.input_tokens ?? 0;
    this.outputTokens += event.output_tokens ?? 0;
    if (event.cost_usd !== null) this.reportedCostUsd += event.cost_usd;
    else if (event.input_tokens !== null) this.unpricedCalls++;
    if (this.first === null) this.first = event.timestamp;
    this.last = event.timestamp;
    if (this.max === null || event.timestamp > this.max) this.max = event.timestamp;
  }

  snapshot(): EventTallySnapshot {
    return {
      events: this.events,
      errors: this.errors,
      byType: { ...this.byType },
      byProvider: { ...this.byProvider },
      errorsByType: { ...this.errorsByType },
      guardrailFlags: { ...this.guardrailFlags },
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      reportedCostUsd: this.reportedCostUsd,
      unpricedCalls: this.unpricedCalls,
      firstTimestamp: this.first,
      lastTimestamp: this.last,
      maxTimestamp: this.max,
    };
  }
}
