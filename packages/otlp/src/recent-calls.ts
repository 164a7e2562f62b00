/** What an evaluation inherits from the call it evaluates: the call's series and trace. */
export interface CallIdentity {
  readonly application: string;
  readonly environment: string | null;
  readonly provider: string | null;
  readonly model: string | null;
  readonly operation: string;
  readonly trace_id: string | null;
  readonly session_id: string | null;
  readonly agent_name: string | null;
  readonly prompt_name: string | null;
}

/**
 * The identities of recent GenAI spans by tenant and span id, so that an evaluation log record (exported
 * in a later request than its span, by another exporter) joins its call. Bounded: the oldest entry goes
 * first when full; an evaluation of a forgotten call falls back to the attributes of its own record.
 */
export class RecentCalls {
  private readonly entries = new Map<string, CallIdentity>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  remember(tenantId: string, spanId: string, identity: CallIdentity): void {
    const key = `${tenantId}\u0000${spanId}`;
    this.entries.delete(key);
    this.entries.set(key, identity);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  find(tenantId: string, spanId: string): CallIdentity | undefined {
    return this.entries.get(`${tenantId}\u0000${spanId}`);
  }
}
