import { backoffDelayMs } from '@aiops/clickhouse';
import type { Notification } from '@aiops/incidents';
import type { Receiver } from './receiver.js';
import type { DeliveryVerdict } from './retry.js';

export interface DeliveryOutcome {
  readonly notification: Notification;
  readonly receiver: string;
  readonly status: 'delivered' | 'dead_lettered';
  /** Why it was dead-lettered: the receiver refused it (4xx), or it was not delivered in time. */
  readonly failure: 'refused' | 'timed_out' | null;
  readonly attempts: number;
  /** Why it was dead-lettered, or the last retried failure before it went through; null when clean. */
  readonly reason: string | null;
  readonly firstAttemptAt: number;
  readonly finishedAt: number;
}

/** The clock, sleep and randomness of delivery: injectable, so tests are deterministic and fast. */
export interface DeliveryEnvironment {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** In [0, 1): the jitter of the backoff. */
  random(): number;
}

export const realDeliveryEnvironment: DeliveryEnvironment = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export interface DeliveryListener {
  onRetry?(info: {
    receiver: string;
    notification: Notification;
    attempt: number;
    delayMs: number;
    reason: string;
  }): void;
  onOutcome?(outcome: DeliveryOutcome): void;
}

/**
 * The wait before the next attempt: the backoff step (doubling, capped, half jitter), but never shorter
 * than what the receiver asked for with Retry-After. Pure.
 */
export function retryDelayMs(
  attempt: number,
  verdict: Extract<DeliveryVerdict, { kind: 'retry' }>,
  settings: { backoffBaseMs: number; backoffMaxMs: number },
  random: () => number,
): number {
  const backoff = backoffDelayMs(
    attempt,
    { baseDelayMs: settings.backoffBaseMs, maxDelayMs: settings.backoffMaxMs },
    random,
  );
  return Math.max(backoff, verdict.retryAfterMs ?? 0);
}

/**
 * One receiver's queue: notifications go out one at a time, in order (an incident's resolve never overtakes
 * its trigger), at most one attempt per `minIntervalMs` (rate limit), retried with backoff until delivered,
 * refused for good, or `maxDeliveryMs` after the first attempt — then dead-lettered with the reason. Each
 * receiver has its own queue, so one that is down delays nobody else.
 */
export class ReceiverQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private pending = 0;

  constructor(
    readonly receiver: Receiver,
    private readonly env: DeliveryEnvironment = realDeliveryEnvironment,
    private readonly listener: DeliveryListener = {},
  ) {}

  /** Notifications accepted and not finished yet. */
  get depth(): number {
    return this.pending;
  }

  /** Resolves with the outcome (never rejects). */
  enqueue(notification: Notification): Promise<DeliveryOutcome> {
    this.pending += 1;
    const run = this.tail.then(() => this.deliver(notification));
    this.tail = run;
    return run.finally(() => {
      this.pending -= 1;
    });
  }

  private async attempt(notification: Notification): Promise<DeliveryVerdict> {
    const wait = this.lastAttemptAt + this.receiver.settings.minIntervalMs - this.env.now();
    if (wait > 0) await this.env.sleep(wait);
    this.lastAttemptAt = this.env.now();
    try {
      return await this.receiver.attempt(notification, this.lastAttemptAt);
    } catch (error) {
      // A receiver never throws by contract; if one does, treat it as a transient failure.
      return {
        kind: 'retry',
        reason: error instanceof Error ? error.message : String(error),
        retryAfterMs: null,
      };
    }
  }

  private async deliver(notification: Notification): Promise<DeliveryOutcome> {
    const { settings, name } = this.receiver;
    const firstAttemptAt = this.env.now();
    const deadline = firstAttemptAt + settings.maxDeliveryMs;
    let attempts = 0;
    let reason: string | null = null;
    const finish = (failure: DeliveryOutcome['failure']): DeliveryOutcome => {
      const outcome: DeliveryOutcome = {
        notification,
        receiver: name,
        status: failure === null ? 'delivered' : 'dead_lettered',
        failure,
        attempts,
        reason,
        firstAttemptAt,
        finishedAt: this.env.now(),
      };
      this.listener.onOutcome?.(outcome);
      return outcome;
    };
    for (;;) {
      const verdict = await this.attempt(notification);
      attempts += 1;
      if (verdict.kind === 'delivered') return finish(null);
      if (verdict.kind === 'permanent') {
        reason = `refused: ${verdict.reason}`;
        return finish('refused');
      }
      reason = verdict.reason;
      const delayMs = retryDelayMs(attempts, verdict, settings, this.env.random);
      if (this.env.now() + delayMs > deadline) {
        reason = `gave up after ${attempts} attempts in ${this.env.now() - firstAttemptAt} ms: ${verdict.reason}`;
        return finish('timed_out');
      }
      this.listener.onRetry?.({
        receiver: name,
        notification,
        attempt: attempts,
        delayMs,
        reason: verdict.reason,
      });
      await this.env.sleep(delayMs);
    }
  }
}

/** Routes each notification to its receiver's queue. */
export class Dispatcher {
  private readonly queues = new Map<string, ReceiverQueue>();

  constructor(receivers: readonly Receiver[], env?: DeliveryEnvironment, listener?: DeliveryListener) {
    for (const receiver of receivers)
      this.queues.set(receiver.name, new ReceiverQueue(receiver, env, listener));
  }

  receiverNames(): string[] {
    return [...this.queues.keys()];
  }

  /** A notification for a receiver nobody configured is a bug the config check should have caught: it throws. */
  dispatch(notification: Notification): Promise<DeliveryOutcome> {
    const queue = this.queues.get(notification.receiver);
    if (queue === undefined) throw new Error(`no receiver named ${notification.receiver}`);
    return queue.enqueue(notification);
  }

  depths(): Record<string, number> {
    return Object.fromEntries([...this.queues].map(([name, q]) => [name, q.depth]));
  }
}
