import type { TelemetryEvent } from '@aiops/contract';
import { telemetryEvent } from '@aiops/testkit';
import { describe, expect, it } from 'vitest';
import {
  parseReviewConfig,
  ReviewRouter,
  resolveReviewItem,
  reviewConfigSchema,
  reviewItemCodec,
  reviewItemSchema,
  reviewReason,
} from '../src/index.js';

const T0 = Date.UTC(2025, 0, 6, 8);
let n = 0;
const evaluation = (scores: Record<string, number>, overrides: Partial<TelemetryEvent> = {}) =>
  telemetryEvent({
    event_id: `ev-${n++}`,
    event_type: 'evaluation',
    timestamp: T0,
    trace_id: `tr-${n}`,
    span_id: `sp-${n}`,
    parent_span_id: `resp-${n}`,
    prompt_name: 'support-answer',
    prompt_version: 'v8',
    scores,
    ...overrides,
  });

describe('which events need review', () => {
  const config = parseReviewConfig({ thresholds: { faithfulness: 0.7 }, default_threshold: 0.3 });

  it('an evaluation below its evaluator’s threshold: the evaluator furthest below, with its threshold', () => {
    expect(reviewReason(config, evaluation({ faithfulness: 0.65, relevance: 0.1 }))).toEqual({
      reason: 'low_score',
      evaluator: 'relevance',
      threshold: 0.3,
    });
    expect(reviewReason(config, evaluation({ faithfulness: 0.5, relevance: 0.29 }))).toMatchObject({
      evaluator: 'faithfulness',
    });
    expect(reviewReason(config, evaluation({ faithfulness: 0.7, relevance: 0.3 }))).toBeNull();
    const named = parseReviewConfig({ thresholds: { faithfulness: 0.7 }, default_threshold: null });
    expect(reviewReason(named, evaluation({ relevance: 0 }))).toBeNull();
  });

  it('negative feedback and a guardrail block (by flag or by action), unless switched off', () => {
    const feedback = (value: -1 | 1) => telemetryEvent({ event_type: 'feedback', feedback: value });
    expect(reviewReason(config, feedback(-1))?.reason).toBe('negative_feedback');
    expect(reviewReason(config, feedback(1))).toBeNull();
    expect(reviewReason(parseReviewConfig({ negative_feedback: false }), feedback(-1))).toBeNull();
    const guard = (flags: string[], action: string) =>
      telemetryEvent({ event_type: 'guardrail', guardrail_flags: flags, attributes: { action } });
    expect(reviewReason(config, guard(['jailbreak'], 'flagged'))?.reason).toBe('guardrail_block');
    expect(reviewReason(config, guard(['toxicity'], 'blocked'))?.reason).toBe('guardrail_block');
    expect(reviewReason(config, guard(['pii'], 'redacted'))).toBeNull();
    expect(
      reviewReason(
        parseReviewConfig({ guardrail_block: { enabled: false } }),
        guard(['jailbreak'], 'blocked'),
      ),
    ).toBeNull();
    expect(reviewReason(config, telemetryEvent({ event_type: 'llm_call' }))).toBeNull();
  });

  it('a bad config is refused at the key', () => {
    const paths = (input: unknown) =>
      reviewConfigSchema
        .safeParse(input)
        .error?.issues.map((i) => [...i.path, ...('keys' in i ? i.keys : [])].join('.'));
    expect(paths({ thresholds: { faithfulness: 2 } })).toEqual(['thresholds.faithfulness']);
    expect(paths({ cap_per_tenant: 0 })).toEqual(['cap_per_tenant']);
    expect(paths({ sample: 0.5 })).toEqual(['sample']);
  });
});

describe('ReviewRouter', () => {
  it('builds the item: reason, scores, trace/span ids, prompt version; a stable id per event', () => {
    const router = new ReviewRouter({});
    const event = evaluation({ faithfulness: 0.1 });
    const decision = router.route(event);
    expect(decision.kind).toBe('queued');
    const item = decision.kind === 'queued' ? decision.item : null;
    expect(item).toMatchObject({
      reason: 'low_score',
      evaluator: 'faithfulness',
      threshold: 0.3,
      scores: { faithfulness: 0.1 },
      trace_id: event.trace_id,
      span_id: event.span_id,
      parent_span_id: event.parent_span_id,
      prompt_name: 'support-answer',
      prompt_version: 'v8',
      event_at: T0,
      status: 'open',
    });
    expect(reviewItemSchema.parse(item)).toEqual(item);
    expect(reviewItemCodec.decode(reviewItemCodec.encode(item!))).toEqual(item);
    const again = new ReviewRouter({}).route(event);
    expect(again.kind === 'queued' && again.item.item_id).toBe(item!.item_id);
  });

  it('samples by trace, deterministically, at the tenant’s rate', () => {
    const events = Array.from({ length: 2000 }, (_, i) =>
      evaluation({ faithfulness: 0.1 }, { tenant_id: i % 2 === 0 ? 'acme' : 'globex' }),
    );
    const run = () => {
      const router = new ReviewRouter({
        sample_rate: 0.25,
        tenant_sample_rates: { globex: 1 },
        cap_per_tenant: 10_000,
      });
      return { kinds: events.map((e) => router.route(e).kind), counts: router.counts() };
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(first.counts.globex).toEqual({ queued: 1000, sampled_out: 0, capped: 0 });
    const acme = first.counts.acme!;
    expect(acme.queued + acme.sampled_out).toBe(1000);
    expect(acme.queued).toBeGreaterThan(200);
    expect(acme.queued).toBeLessThan(300);
  });

  it('caps each tenant per event-time window; drops are counted, the first one says so once', () => {
    const router = new ReviewRouter({ cap_per_tenant: 3, cap_window_ms: 3_600_000 });
    const at = (ms: number, tenant = 'acme') =>
      evaluation({ faithfulness: 0.1 }, { timestamp: ms, tenant_id: tenant });
    const decisions = [0, 1, 2, 3, 4, 5].map((i) => router.route(at(T0 + i * 60_000)));
    expect(decisions.map((d) => d.kind)).toEqual([
      'queued',
      'queued',
      'queued',
      'dropped',
      'dropped',
      'dropped',
    ]);
    expect(decisions.filter((d) => d.kind === 'dropped' && d.capReached !== undefined)).toHaveLength(1);
    expect(decisions[3]).toMatchObject({
      reason: 'capped',
      capReached: { tenant_id: 'acme', window_start: T0, cap: 3 },
    });
    // Another tenant has its own cap; the next window starts afresh.
    expect(router.route(at(T0, 'globex')).kind).toBe('queued');
    expect(router.route(at(T0 + 3_600_000)).kind).toBe('queued');
    expect(router.counts()).toEqual({
      acme: { queued: 4, sampled_out: 0, capped: 3 },
      globex: { queued: 1, sampled_out: 0, capped: 0 },
    });
    const restored = new ReviewRouter({ cap_per_tenant: 3, cap_window_ms: 3_600_000 });
    restored.restore(JSON.parse(JSON.stringify(router.snapshot())));
    expect(restored.counts()).toEqual(router.counts());
    expect(restored.route(at(T0 + 3_600_000 + 1)).kind).toBe('queued');
    expect(restored.route(at(T0 + 3_600_000 + 2)).kind).toBe('queued');
    expect(restored.route(at(T0 + 3_600_000 + 3)).kind).toBe('dropped');
  });

  it('a resolution is the item reviewed, validated', () => {
    const decision = new ReviewRouter({}).route(evaluation({ faithfulness: 0.1 }));
    if (decision.kind !== 'queued') throw new Error('expected a queued item');
    const reviewed = resolveReviewItem(decision.item, {
      by: 'dana',
      verdict: 'bad',
      note: 'wrong',
      at: T0 + 1,
    });
    expect(reviewed).toMatchObject({
      status: 'reviewed',
      reviewer: 'dana',
      verdict: 'bad',
      note: 'wrong',
      reviewed_at: T0 + 1,
    });
    expect(() =>
      resolveReviewItem(decision.item, { by: 'dana', verdict: 'maybe' as never, note: null, at: T0 }),
    ).toThrow();
  });
});
