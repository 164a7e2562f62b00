import { describe, expect, it } from 'vitest';
import {
  type DeliveryEnvironment,
  type DeliveryVerdict,
  Dispatcher,
  deliveryDeadLetter,
  deliveryRecord,
  type Receiver,
  ReceiverQueue,
  retryDelayMs,
} from '../src/index.js';
import { notification } from './fixtures.js';

/** A virtual clock: sleep advances it at once, so retries over minutes take no real time. */
function virtualTime(start = 1_000_000): DeliveryEnvironment & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    random: () => 0.5,
  };
}

const settings = {
  timeoutMs: 1000,
  maxDeliveryMs: 60_000,
  backoffBaseMs: 1000,
  backoffMaxMs: 16_000,
  minIntervalMs: 0,
};

function scripted(name: string, verdicts: DeliveryVerdict[], extra: Partial<typeof settings> = {}) {
  const attempts: Array<{ id: string; at: number }> = [];
  const receiver: Receiver = {
    name,
    type: 'webhook',
    settings: { ...settings, ...extra },
    async attempt(n, at) {
      attempts.push({ id: n.notification_id, at });
      return verdicts.shift() ?? { kind: 'delivered' };
    },
  };
  return { receiver, attempts };
}

const retry = (reason: string, retryAfterMs: number | null = null): DeliveryVerdict => ({
  kind: 'retry',
  reason,
  retryAfterMs,
});

describe('backoff', () => {
  it('doubles with half jitter, capped, and never waits less than Retry-After', () => {
    const s = { backoffBaseMs: 1000, backoffMaxMs: 8000 };
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(a, retry('x') as never, s, () => 0))).toEqual([
      500, 1000, 2000, 4000, 4000,
    ]);
    expect([1, 2, 3].map((a) => retryDelayMs(a, retry('x') as never, s, () => 0.999999))).toEqual([
      1000, 2000, 4000,
    ]);
    expect(retryDelayMs(1, retry('x', 30_000) as never, s, () => 0)).toBe(30_000);
  });
});

describe('receiver queue', () => {
  it('retries a 500 and delivers once, with the same notification each time', async () => {
    const env = virtualTime();
    const { receiver, attempts } = scripted('hook', [retry('http_500')]);
    const outcome = await new ReceiverQueue(receiver, env).enqueue(notification());
    expect(outcome).toMatchObject({ status: 'delivered', failure: null, attempts: 2, reason: 'http_500' });
    expect(deliveryRecord(outcome)).toMatchObject({
      notification_id: 'n-1',
      incident_id: 'inc-1',
      outcome: 'delivered',
      attempts: 2,
      error: 'http_500',
    });
    expect(attempts.map((a) => a.id)).toEqual(['n-1', 'n-1']);
    expect(env.slept).toEqual([750]);
  });

  it('waits what Retry-After asked for', async () => {
    const env = virtualTime();
    const { receiver } = scripted('hook', [retry('http_429', 5000)]);
    const outcome = await new ReceiverQueue(receiver, env).enqueue(notification());
    expect(outcome.status).toBe('delivered');
    expect(env.slept).toEqual([5000]);
  });

  it('dead-letters a refused request at once, and a failing one after the bounded time, saying why', async () => {
    const env = virtualTime();
    const refused = scripted('hook', [{ kind: 'permanent', reason: 'http_404' }]);
    expect(await new ReceiverQueue(refused.receiver, env).enqueue(notification())).toMatchObject({
      status: 'dead_lettered',
      failure: 'refused',
      attempts: 1,
      reason: 'refused: http_404',
    });
    const down = scripted(
      'down',
      Array.from({ length: 100 }, () => retry('ECONNREFUSED')),
    );
    const started = env.now();
    const outcome = await new ReceiverQueue(down.receiver, env).enqueue(notification());
    expect(outcome.status).toBe('dead_lettered');
    expect(outcome.reason).toMatch(/^gave up after \d+ attempts in \d+ ms: ECONNREFUSED$/);
    expect(env.now() - started).toBeLessThanOrEqual(settings.maxDeliveryMs);
    expect(outcome.attempts).toBe(down.attempts.length);
    const dead = deliveryDeadLetter(outcome, 'notifier');
    expect(dead.key).toBe('inc-1');
    expect(dead.headers).toMatchObject({
      'aiops.dlq.reason': 'delivery_timeout',
      'aiops.dlq.receiver': 'down',
      'aiops.dlq.service': 'notifier',
      'aiops.dlq.attempts': String(outcome.attempts),
    });
    expect(JSON.parse(String(dead.value))).toMatchObject({ notification_id: 'n-1' });
  });

  it('rate-limits: attempts to one receiver are at least min_interval_ms apart, in order', async () => {
    const env = virtualTime();
    const attempts: Array<{ id: string; at: number }> = [];
    const receiver: Receiver = {
      name: 'slack',
      type: 'slack',
      settings: { ...settings, minIntervalMs: 1000 },
      async attempt(n, at) {
        attempts.push({ id: n.notification_id, at });
        return { kind: 'delivered' };
      },
    };
    const queue = new ReceiverQueue(receiver, env);
    await Promise.all(
      ['n-1', 'n-2', 'n-3'].map((id) => queue.enqueue(notification({ notification_id: id }))),
    );
    expect(attempts.map((a) => a.id)).toEqual(['n-1', 'n-2', 'n-3']);
    expect(attempts.map((a) => a.at - attempts[0]!.at)).toEqual([0, 1000, 2000]);
  });
});

describe('dispatcher', () => {
  it('keeps one queue per receiver: a receiver that is down does not hold back the others', async () => {
    let release: () => void = () => undefined;
    const stuck = new Promise<DeliveryVerdict>((resolve) => {
      release = () => resolve({ kind: 'delivered' });
    });
    const down: Receiver = { name: 'down', type: 'webhook', settings, attempt: () => stuck };
    const up = scripted('up', []);
    const dispatcher = new Dispatcher([down, up.receiver], virtualTime());
    const blocked = dispatcher.dispatch(notification({ receiver: 'down' }));
    const fine = await dispatcher.dispatch(notification({ receiver: 'up' }));
    expect(fine.status).toBe('delivered');
    expect(dispatcher.depths()).toEqual({ down: 1, up: 0 });
    release();
    expect((await blocked).status).toBe('delivered');
    expect(() => dispatcher.dispatch(notification({ receiver: 'nobody' }))).toThrow(
      'no receiver named nobody',
    );
  });
});
