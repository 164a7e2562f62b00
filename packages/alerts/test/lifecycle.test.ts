import type { Alert } from '@aiops/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertSignal, LifecycleChanges, LifecycleOptions, TrackedAlert } from '../src/index.js';
import { alertFingerprint, alertId, createAlertLifecycle, fnv1a64, formatDuration } from '../src/index.js';

const MIN = 60_000;
const labels = {
  tenant_id: 'acme',
  application: 'support-bot',
  environment: 'prod',
  provider: 'openai',
  model: 'gpt-4o',
  operation: 'chat',
};
const options: LifecycleOptions = {
  pendingForMs: 3 * MIN,
  recoveryForMs: 5 * MIN,
  repeatIntervalMs: 60 * MIN,
  resolveTimeoutMs: 30 * MIN,
};

/** The observation of minute `m` (window [m, m+1) minutes). */
function sig(m: number, breached: boolean, extra: Partial<AlertSignal> = {}): AlertSignal {
  return {
    detector: 'latency',
    signal: 'p95',
    labels,
    breached,
    severity: 'warning',
    window_start: m * MIN,
    window_end: (m + 1) * MIN,
    observed: breached ? 900 : 100,
    expected: 100,
    threshold: 250,
    score: breached ? 0.9 : 0.1,
    describe: () => ({
      summary: 'p95 latency is 9.0x its baseline.',
      evidence: { p95_ms: breached ? '900' : '100' },
    }),
    ...extra,
  };
}

/** Runs a minute-by-minute pattern ('x' breach, '.' clean) from minute 0; returns notifications. */
function run(pattern: string, opts = options): Alert[] {
  const lc = createAlertLifecycle(opts);
  const out: Alert[] = [];
  [...pattern].forEach((c, m) => {
    const a = lc.observe(sig(m, c === 'x'));
    if (a) out.push(a);
  });
  return out;
}

describe('fnv1a64', () => {
  it('matches the reference FNV-1a 64-bit vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });
});

describe('alert lifecycle', () => {
  it('stays pending until the breach has lasted the minimum duration, then fires once', () => {
    expect(run('xx')).toEqual([]);
    // three one-minute windows: three minutes from the start of the first to the end of the third
    const out2 = run('xxxx');
    expect(out2.map((a) => [a.status, a.notified_at])).toEqual([['firing', 3 * MIN]]);
    expect(out2[0]!.started_at).toBe(0);
  });

  it('a blip shorter than the minimum duration never notifies', () => {
    expect(run('xx.xx.x.xx..')).toEqual([]);
  });

  it('resolves only after the recovery window, with one resolved notification', () => {
    const out = run('xxxxx......');
    expect(out.map((a) => a.status)).toEqual(['firing', 'resolved']);
    const resolved = out[1]!;
    expect(resolved.resolved_at).toBe(5 * MIN); // start of the first clean window
    expect(resolved.notified_at).toBe(10 * MIN); // 5 clean minutes later
    expect(resolved.alert_id).toBe(out[0]!.alert_id);
    expect(resolved.summary).toBe('Resolved after 5m (last breach: p95 latency is 9.0x its baseline).');
    expect(resolved.evidence.resolution).toBe('recovered');
  });

  it('does not flap: a breach during recovery keeps the alert firing without a new notification', () => {
    const out = run(`xxxxx...x...x....x${'.'.repeat(8)}`);
    expect(out.map((a) => a.status)).toEqual(['firing', 'resolved']);
    expect(out[1]!.resolved_at).toBe(18 * MIN);
  });

  it('repeats a long incident every repeat interval and stops after resolution', () => {
    const out = run(`${'x'.repeat(150)}${'.'.repeat(6)}`);
    expect(out.map((a) => [a.status, a.notified_at / MIN])).toEqual([
      ['firing', 3],
      ['firing', 63],
      ['firing', 123],
      ['resolved', 155],
    ]);
    expect(new Set(out.map((a) => a.alert_id)).size).toBe(1);
  });

  it('notifies at once when the severity rises while firing', () => {
    const lc = createAlertLifecycle(options);
    const out: Alert[] = [];
    for (let m = 0; m < 10; m++) {
      const a = lc.observe(sig(m, true, { severity: m >= 6 ? 'critical' : 'warning' }));
      if (a) out.push(a);
    }
    expect(out.map((a) => [a.severity, a.notified_at / MIN])).toEqual([
      ['warning', 3],
      ['critical', 7],
    ]);
  });

  it('derives a deterministic alert id from the fingerprint and the start window', () => {
    const out = run('..xxxx');
    const fp = alertFingerprint('latency', 'p95', labels);
    expect(out[0]!.fingerprint).toBe(fp);
    expect(out[0]!.alert_id).toBe(alertId(fp, 2 * MIN));
    expect(run('..xxxx')[0]!.alert_id).toBe(out[0]!.alert_id);
    // a later incident of the same condition gets another id
    const two = run('xxxx......xxxx');
    expect(two.map((a) => a.status)).toEqual(['firing', 'resolved', 'firing']);
    expect(two[2]!.alert_id).not.toBe(two[0]!.alert_id);
    expect(two[2]!.fingerprint).toBe(two[0]!.fingerprint);
  });

  it('ignores duplicated and older observations, so a replay creates no second notification', () => {
    const lc = createAlertLifecycle(options);
    const seen: Alert[] = [];
    for (let m = 0; m < 6; m++) {
      const a = lc.observe(sig(m, true));
      if (a) seen.push(a);
    }
    for (let m = 0; m < 6; m++) {
      expect(lc.observe(sig(m, true))).toBeNull();
    }
    expect(seen).toHaveLength(1);
  });

  it('applies a late correction of the latest window that turns it into a breach', () => {
    const lc = createAlertLifecycle({ ...options, pendingForMs: 0 });
    expect(lc.observe(sig(0, false))).toBeNull();
    const a = lc.observe(sig(0, true));
    expect(a?.status).toBe('firing');
    expect(lc.observe(sig(0, false))).toBeNull(); // a clean re-emission does not undo it
    expect(lc.stats().firing).toBe(1);
  });

  it('resolves a firing condition whose series stopped reporting, on advance', () => {
    const lc = createAlertLifecycle(options);
    for (let m = 0; m < 5; m++) lc.observe(sig(m, true));
    expect(lc.advance(20 * MIN)).toEqual([]);
    const out = lc.advance(35 * MIN);
    expect(out.map((a) => [a.status, a.evidence.resolution, a.resolved_at])).toEqual([
      ['resolved', 'no_data', 5 * MIN],
    ]);
    expect(lc.tracked()).toEqual([]);
  });

  it('gives identical notifications after snapshot → JSON → restore at any point of a random run', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 120 }), fc.nat(), (pattern, cutAt) => {
        const cut = cutAt % pattern.length;
        const straight = createAlertLifecycle(options);
        const expected = pattern.map((b, m) => straight.observe(sig(m, b)));
        const first = createAlertLifecycle(options);
        const got = pattern.slice(0, cut).map((b, m) => first.observe(sig(m, b)));
        const second = createAlertLifecycle(options);
        second.restore(JSON.parse(JSON.stringify(first.snapshot())));
        for (let m = cut; m < pattern.length; m++) got.push(second.observe(sig(m, pattern[m]!)));
        expect(got).toEqual(expected);
      }),
      { numRuns: 200, seed: 42 },
    );
  });

  it('never notifies twice in a row with the same status unless it is a repeat, and always resolves what fired', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 200 }), (pattern) => {
        const out = run(`${pattern.map((b) => (b ? 'x' : '.')).join('')}${'.'.repeat(10)}`);
        let open = false;
        for (const a of out) {
          if (a.status === 'resolved') {
            expect(open).toBe(true);
            open = false;
          } else open = true;
        }
        expect(open).toBe(false);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('alert lifecycle changes (takeChanges)', () => {
  type Op =
    | { kind: 'observe'; signal: number; breached: boolean; next: boolean }
    | { kind: 'advance'; minutes: number }
    | { kind: 'take' }
    | { kind: 'restore' };
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('observe' as const),
        signal: fc.nat(2),
        breached: fc.boolean(),
        next: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.nat(40) }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'take' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'restore' as const }) },
  );

  /** What a keyed changelog holds: a key keeps its place, a key new to it goes to the end. */
  const apply = (store: Map<string, TrackedAlert>, changes: LifecycleChanges) => {
    for (const { key, state } of changes.alerts) {
      if (state === null) store.delete(key);
      else store.set(key, state);
    }
    if (!changes.full) return;
    const listed = new Set(changes.alerts.map((x) => x.key));
    for (const key of [...store.keys()]) if (!listed.has(key)) store.delete(key);
  };

  it('applied one after another, hold what whole snapshots hold, in the same order, whatever the run', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        let lc = createAlertLifecycle({ ...options, pendingForMs: 2 * MIN, resolveTimeoutMs: 10 * MIN });
        const incremental = new Map<string, TrackedAlert>();
        const whole = new Map<string, TrackedAlert>();
        let m = 0;
        let restored = true;
        for (const o of [...ops, { kind: 'take' as const }]) {
          if (o.kind === 'observe') {
            lc.observe(sig(m, o.breached, { signal: ['p50', 'p95', 'p99'][o.signal]! }));
            if (o.next) m++;
          } else if (o.kind === 'advance') {
            m += o.minutes;
            lc.advance(m * MIN);
          } else if (o.kind === 'restore') {
            const snapshot = JSON.parse(JSON.stringify(lc.snapshot()));
            lc = createAlertLifecycle(options);
            lc.restore(snapshot);
            restored = true;
          } else {
            const changes = lc.takeChanges();
            expect(changes.full).toBe(restored);
            restored = false;
            apply(incremental, changes);
            apply(whole, { full: true, alerts: lc.snapshot().alerts.map((t) => ({ key: t.key, state: t })) });
            expect([...incremental]).toEqual([...whole]);
          }
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('lists a condition once per call, and only when it moved', () => {
    const lc = createAlertLifecycle(options);
    expect(lc.takeChanges()).toEqual({ full: true, alerts: [] });
    lc.observe(sig(0, true));
    lc.observe(sig(1, true));
    const [created] = lc.takeChanges().alerts;
    expect(created).toEqual({ key: lc.tracked()[0]!.key, state: lc.tracked()[0] });
    expect(lc.takeChanges().alerts).toEqual([]);
    lc.observe(sig(2, false)); // clean while pending: dropped
    expect(lc.takeChanges().alerts).toEqual([{ key: created!.key, state: null }]);
  });

  it('lists conditions met since the last call in the order it tracks them, one dropped and met again last', () => {
    const lc = createAlertLifecycle(options);
    lc.takeChanges();
    lc.observe(sig(0, true, { signal: 'p95' }));
    lc.observe(sig(0, true, { signal: 'p99' }));
    lc.observe(sig(1, false, { signal: 'p95' })); // dropped while pending…
    lc.observe(sig(2, true, { signal: 'p95' })); // …and met again: after p99, in the lifecycle too
    const listed = lc.takeChanges().alerts.map((x) => x.state?.signal);
    expect(listed).toEqual(['p99', 'p95']);
    expect(listed).toEqual(lc.tracked().map((t) => t.signal));
  });
});

describe('formatDuration', () => {
  it('prints the two largest units', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(2 * 86_400_000 + 3 * 3_600_000 + 60_000)).toBe('2d3h');
  });
});
