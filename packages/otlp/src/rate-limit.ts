/** One token bucket: `rate` per second, holding at most `burst`. Time comes from the caller. */
class Bucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedMs = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.updatedMs) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
    this.updatedMs = Math.max(this.updatedMs, nowMs);
  }

  /** Seconds until `cost` is available (0 = now). A cost above the burst waits for a full bucket. */
  waitSeconds(cost: number, nowMs: number): number {
    this.refill(nowMs);
    const need = Math.min(cost, this.burst) - this.tokens;
    return need <= 0 ? 0 : need / this.rate;
  }

  take(cost: number): void {
    this.tokens -= Math.min(cost, this.burst);
  }
}

export interface RateLimits {
  readonly requestsPerSecond: number;
  readonly bytesPerSecond: number;
  /** Bucket sizes: how far above the rate a tenant may go for a moment. */
  readonly burstSeconds: number;
}

export type Admission = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

/**
 * Per-tenant request and byte rates (token buckets). Memory is bounded by the number of configured
 * tenants: only authenticated tenants reach it.
 */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, { requests: Bucket; bytes: Bucket }>();

  constructor(private readonly limitsOf: (tenantId: string) => RateLimits) {}

  admit(tenantId: string, bytes: number, nowMs: number): Admission {
    let pair = this.buckets.get(tenantId);
    if (pair === undefined) {
      const l = this.limitsOf(tenantId);
      pair = {
        requests: new Bucket(l.requestsPerSecond, Math.max(1, l.requestsPerSecond * l.burstSeconds), nowMs),
        bytes: new Bucket(l.bytesPerSecond, Math.max(1, l.bytesPerSecond * l.burstSeconds), nowMs),
      };
      this.buckets.set(tenantId, pair);
    }
    const wait = Math.max(pair.requests.waitSeconds(1, nowMs), pair.bytes.waitSeconds(bytes, nowMs));
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
    pair.requests.take(1);
    pair.bytes.take(bytes);
    return { ok: true };
  }
}
