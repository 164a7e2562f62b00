import { createParseContext, parseTelemetryMessage } from '@aiops/contract';
import { seededRandom } from '@aiops/core';
import type { RunningService } from '@aiops/kafka';
import { createLogger } from '@aiops/ops';
import { startValidator, validatorConfigSchema } from '@aiops/service-validator';
import type { ClickHouseClient } from '@clickhouse/client';
import type { KafkaMessage, Message } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaBrokers } from '../setup/endpoints.js';
import {
  BROKER_MESSAGE_MAX_BYTES,
  topicCount as countMessages,
  FUZZ_CLASSES,
  type FuzzMessage,
  generateMalformed,
  generateValid,
  metricBy,
  metricSum,
  VALIDATOR_MAX_MESSAGE_BYTES,
} from '../support/fuzz.js';
import { consumeUntil, header, produce, testKafka } from '../support/kafka.js';
import { TestPipeline, waitFor } from '../support/pipeline.js';

/**
 * Bad input end to end: more than 10,000 malformed messages of every class, mixed into 20,000 valid events
 * (and 100 exact duplicates), through the real validator on the real broker. Every malformed message of
 * a class with a known reason lands in the DLQ with that reason; the counters add up exactly; valid
 * throughput is compared with a clean run (alternating runs, best of each; the figures are printed), and
 * the warehouse stores exactly what the validator passed.
 *
 * The oracle is the generator's construction (test/support/fuzz.ts), not the parser under test. For random
 * corruption, whose outcome only parsing can tell, the test asserts what holds independently: each such
 * message is either dead-lettered with some reason or accepted as an event, and the counts add up.
 */

const PARTITIONS = 3;
// Enough valid traffic that the timed part lasts long enough to measure.
const VALID = 20_000;
const DUPLICATES = 100;
const MALFORMED = 10_000;
const REPETITIONS = 2;
const NOW = Date.now();

const malformed = generateMalformed(20_251, MALFORMED, NOW);
const valid = generateValid(77, VALID, NOW, DUPLICATES);
const MALFORMED_TOTAL = malformed.small.length + malformed.large.length;
/** Letters of the DLQ, keyed by the value they carry (a cut value: by its original size). */
const letterKey = (value: Buffer | null, originalBytes?: string) =>
  originalBytes !== undefined
    ? `cut:${originalBytes}`
    : value === null || value.length === 0
      ? 'empty'
      : value.toString('base64');

async function createRawTopic(topic: string): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
  } finally {
    await admin.disconnect();
  }
}

/** Messages in a topic (the validator does not use transactions, so offsets count messages). */
const topicCount = (topic: string) => countMessages(testKafka(), topic);

function spread(values: readonly (Buffer | null)[], seed: number): Message[] {
  const random = seededRandom(seed);
  return values.map((value, i) => ({ key: `k${i}`, value, partition: Math.floor(random() * PARTITIONS) }));
}

/** Valid and malformed messages interleaved in a seeded order. */
function interleave(
  validValues: readonly Buffer[],
  bad: readonly FuzzMessage[],
  seed: number,
): (Buffer | null)[] {
  const random = seededRandom(seed);
  const out: (Buffer | null)[] = [];
  let v = 0;
  let b = 0;
  while (v < validValues.length || b < bad.length) {
    const takeValid =
      b >= bad.length ||
      (v < validValues.length && random() < validValues.length / (validValues.length + bad.length));
    out.push(takeValid ? validValues[v++]! : bad[b++]!.value);
  }
  return out;
}

interface Run {
  pipeline: TestPipeline;
  validator: RunningService;
  messages: number;
  /** Wall time from starting the validator (group join included) until everything was handled. */
  wallMs: number;
  /** Time the validator spent handling batches (aiops_batch_handle_seconds): its throughput, without waits. */
  handleMs: number;
  batches: number;
}

const perSecond = (count: number, ms: number) => (count * 1000) / Math.max(ms, 1);

const logger = createLogger({ service: 'it-fuzz', level: process.env.TEST_LOG_LEVEL ?? 'warn' });

/** A raw topic filled once; each timed run reads it with a fresh group into fresh output topics. */
async function filledRawTopic(small: Message[], large: Message[]): Promise<{ topic: string; total: number }> {
  const topic = new TestPipeline().topics.raw;
  await createRawTopic(topic);
  await produce(topic, small);
  // One request each: a few of these in one partition's batch would exceed the broker's limit.
  for (const message of large) await produce(topic, [message]);
  return { topic, total: small.length + large.length };
}

/**
 * Starts a validator (as TestPipeline does, but on a shared, pre-filled raw topic) and waits until it
 * produced every valid event and every dead letter (its own counters, polled every 5 ms).
 */
async function timedRun(raw: { topic: string; total: number }, minDeadLetters: number): Promise<Run> {
  const pipeline = new TestPipeline({ partitions: PARTITIONS });
  const startedAt = performance.now();
  const validator = await startValidator(
    validatorConfigSchema.parse({
      kafka: { brokers: kafkaBrokers(), clientId: pipeline.id },
      topics: { ...pipeline.topics, raw: raw.topic },
      partitions: PARTITIONS,
      groupId: `${pipeline.id}-validator`,
      userIdSalt: 'integration-salt',
    }),
    logger,
    pipeline.metrics,
  );
  const m = pipeline.metrics;
  let doneAt = 0;
  await waitFor(
    async () => {
      const produced = await metricSum(m.produced, { service: 'validator', topic: pipeline.topics.events });
      const dlq = await metricSum(m.deadLettered, { service: 'validator' });
      const dups = await metricSum(m.duplicatesDropped, { service: 'validator' });
      // Done when every message is accounted for (a randomly corrupted one may go either way).
      if (produced >= VALID && dlq >= minDeadLetters && produced + dlq + dups === raw.total) {
        doneAt = performance.now();
        return true;
      }
      return false;
    },
    120_000,
    'validator to process everything',
    5,
  );
  const handle = (await m.handleDuration.get()).values.filter((v) => v.labels.service === 'validator');
  const handleSeconds = handle.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  const batches = handle.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  return {
    pipeline,
    validator,
    messages: raw.total,
    wallMs: doneAt - startedAt,
    handleMs: handleSeconds * 1000,
    batches,
  };
}

describe('bad input (fuzzing) against the real broker', () => {
  const runs: Run[] = [];
  let ch: ClickHouseClient | undefined;
  afterAll(async () => {
    for (const run of runs) {
      await run.validator.stop(20_000);
      await run.pipeline.stopAll();
    }
    await ch?.close();
  });

  it('the generator covers every class, and the contract gives each class its stated reason', () => {
    expect(MALFORMED_TOTAL).toBeGreaterThanOrEqual(10_000);
    for (const c of FUZZ_CLASSES) expect(malformed.byClass.get(c.name), c.name).toBeGreaterThan(0);
    expect(malformed.corrupted).toBeGreaterThan(0);
    const context = { ...createParseContext({ priceTable: null, userIdSalt: 'x-salt-123' }), nowMs: NOW };
    const mismatches: string[] = [];
    for (const m of [...malformed.small, ...malformed.large]) {
      if (m.reason === null) continue; // random corruption: no stated reason to check
      let reason: string;
      if (m.value === null || m.value.length === 0) reason = 'empty_message';
      else if (m.value.length > VALIDATOR_MAX_MESSAGE_BYTES) reason = 'message_too_large';
      else {
        const parsed = parseTelemetryMessage(m.value, context);
        reason = parsed.ok ? 'accepted' : parsed.error.reason;
      }
      if (reason !== m.reason) mismatches.push(`${m.className}: expected ${m.reason}, got ${reason}`);
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    const sizes = malformed.large.map((m) => m.value!.length);
    expect(Math.max(...sizes)).toBe(BROKER_MESSAGE_MAX_BYTES - 1024);
  });

  it('the broker refuses a message above its message.max.bytes, so the largest above is at its limit', async () => {
    const pipeline = new TestPipeline({ partitions: PARTITIONS });
    await createRawTopic(pipeline.topics.raw);
    await expect(
      produce(pipeline.topics.raw, [{ value: Buffer.alloc(BROKER_MESSAGE_MAX_BYTES + 1, 0x7b) }]),
    ).rejects.toThrow(/too large|MESSAGE_TOO_LARGE|larger than/i);
  });

  it('every malformed message is dead-lettered with its reason (random corruption: with some reason, or accepted), valid traffic flows, counters add up', {
    timeout: 300_000,
  }, async () => {
    const mixedSmall = spread(interleave(valid.messages, malformed.small, 5), 6);
    const mixedLarge = spread(
      malformed.large.map((m) => m.value),
      7,
    );
    const mixedRaw = await filledRawTopic(mixedSmall, mixedLarge);
    const cleanRaw = await filledRawTopic(spread(valid.messages, 8), []);
    // Alternating runs, best of each: on shared cores a neighbour's burst must not decide the ratio.
    const mixedRuns: Run[] = [];
    const cleanRuns: Run[] = [];
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const m = await timedRun(mixedRaw, malformed.withReason);
      runs.push(m);
      mixedRuns.push(m);
      await m.validator.stop(20_000);
      const c = await timedRun(cleanRaw, 0);
      runs.push(c);
      cleanRuns.push(c);
      await c.validator.stop(20_000);
    }
    const best = (list: Run[]) => list.reduce((a, b) => (b.handleMs < a.handleMs ? b : a));
    const mixed = best(mixedRuns);
    const clean = best(cleanRuns);
    const describe = (name: string, run: Run) =>
      `${name}: ${run.messages} messages in ${run.batches} batches; handled in ${run.handleMs.toFixed(0)} ms ` +
      `(${perSecond(VALID, run.handleMs).toFixed(0)} valid events/s, ${perSecond(run.messages, run.handleMs).toFixed(0)} messages/s); ` +
      `wall ${run.wallMs.toFixed(0)} ms from start incl. group join (${perSecond(VALID, run.wallMs).toFixed(0)} valid events/s)`;
    const ratio = perSecond(VALID, mixed.handleMs) / perSecond(VALID, clean.handleMs);
    const wallRatio = perSecond(VALID, mixed.wallMs) / perSecond(VALID, clean.wallMs);
    const all = (list: Run[]) => list.map((r) => r.handleMs.toFixed(0)).join('/');
    console.log(
      `[fuzz] best of ${REPETITIONS} (handling ms clean ${all(cleanRuns)}, mixed ${all(mixedRuns)})\n` +
        `[fuzz] ${describe('clean', clean)}\n[fuzz] ${describe(`mixed (${MALFORMED_TOTAL} malformed)`, mixed)}\n` +
        `[fuzz] valid throughput with the malformed mix / clean: ${ratio.toFixed(2)} (handling), ${wallRatio.toFixed(2)} (wall)`,
    );
    // Reported, not asserted: a speed figure belongs in a benchmark, and a timed assertion on shared cores
    // fails on a neighbour's burst (measured 0.16-0.36 under load). With one malformed message per two valid
    // ones the ratio is about 0.4: a refusal costs the contract's zod error path 2-3 times a valid event.

    const { pipeline } = mixed;
    const topics = pipeline.topics;
    const totalIn = mixedRaw.total;

    // The validator's own counters: in = passed + dead letters + duplicates, and the topics agree.
    const m = pipeline.metrics;
    const consumed = await metricSum(m.consumed, { service: 'validator', topic: mixedRaw.topic });
    const produced = await metricSum(m.produced, { service: 'validator', topic: topics.events });
    const deadLetters = await metricSum(m.deadLettered, { service: 'validator' });
    const duplicates = await metricSum(m.duplicatesDropped, { service: 'validator' });
    expect(consumed).toBe(totalIn);
    expect(produced + deadLetters + duplicates).toBe(consumed);
    expect(duplicates).toBeGreaterThanOrEqual(DUPLICATES);
    expect(await topicCount(mixedRaw.topic)).toBe(totalIn);
    expect(await topicCount(topics.events)).toBe(produced);
    expect(await topicCount(topics.dlq)).toBe(deadLetters);

    // Each dead letter is matched, by the bytes it carries, to a message sent: one of a class with a
    // stated reason must carry exactly that reason; a randomly corrupted one may carry any.
    const dlq = await consumeUntil(topics.dlq, (ms) => ms.length >= deadLetters, 120_000);
    expect(dlq).toHaveLength(deadLetters);
    const unmatched = new Map<string, (string | null)[]>();
    for (const sent of [...malformed.small, ...malformed.large]) {
      // The validator keeps a bounded prefix of a message above its limit, with its original size.
      const cut = sent.value !== null && sent.value.length > VALIDATOR_MAX_MESSAGE_BYTES;
      const key = cut ? letterKey(null, String(sent.value!.length)) : letterKey(sent.value);
      unmatched.set(key, [...(unmatched.get(key) ?? []), sent.reason]);
    }
    const byReason = new Map<string, number>();
    const statedByReason = new Map<string, number>();
    const corruptedByReason = new Map<string, number>();
    const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
    const problems: string[] = [];
    for (const message of dlq) {
      const reason = header(message, 'aiops.dlq.reason');
      if (!reason) problems.push('no reason');
      add(byReason, reason ?? '');
      const candidates = unmatched.get(letterKey(message.value, header(message, 'aiops.dlq.original_bytes')));
      const stated = candidates?.indexOf(reason ?? '') ?? -1;
      const at = stated >= 0 ? stated : (candidates?.indexOf(null) ?? -1);
      if (at < 0) problems.push(`a ${reason} letter matches no message sent with that reason`);
      else {
        candidates!.splice(at, 1);
        add(stated >= 0 ? statedByReason : corruptedByReason, reason ?? '');
      }
      if (header(message, 'aiops.dlq.source.topic') !== mixedRaw.topic) problems.push('source topic');
      if (!/^\d+$/.test(header(message, 'aiops.dlq.source.partition') ?? '')) problems.push('partition');
      if (!/^\d+$/.test(header(message, 'aiops.dlq.source.offset') ?? '')) problems.push('offset');
      if ((header(message, 'aiops.dlq.message') ?? '').length < 5) problems.push('message');
      if (header(message, 'aiops.dlq.service') !== 'validator') problems.push('service');
    }
    expect(problems.slice(0, 5)).toEqual([]);
    // Every message with a stated reason was dead-lettered with it.
    expect(statedByReason).toEqual(malformed.byReason);
    // Random corruption: dead-lettered with some reason, or passed on as an event; nothing else.
    const corruptedDead = [...corruptedByReason.values()].reduce((a, b) => a + b, 0);
    const corruptedAccepted = malformed.corrupted - corruptedDead;
    expect(corruptedAccepted).toBeGreaterThanOrEqual(0);
    expect(produced + (duplicates - DUPLICATES)).toBe(VALID + corruptedAccepted);
    // The per-reason counter agrees with the topic.
    expect(await metricBy(m.deadLettered, 'reason', { service: 'validator' })).toEqual(byReason);
    console.log(
      `[fuzz] random corruption: ${malformed.corrupted} sent, ${corruptedDead} dead-lettered ` +
        `(${[...corruptedByReason].map(([r, n]) => `${r} ${n}`).join(', ')}), ${corruptedAccepted} accepted as events`,
    );

    // Oversized letters keep a bounded prefix and their original size; the others keep their bytes.
    const oversized = dlq.filter((d: KafkaMessage) => header(d, 'aiops.dlq.original_bytes') !== undefined);
    expect(oversized.map((d) => Number(header(d, 'aiops.dlq.original_bytes'))).sort()).toEqual(
      malformed.large
        .filter((l) => l.value!.length > VALIDATOR_MAX_MESSAGE_BYTES)
        .map((l) => l.value!.length)
        .sort(),
    );
    for (const d of oversized) expect(d.value!.length).toBe(64 * 1024);
    expect(oversized.length).toBeGreaterThanOrEqual(malformed.byClass.get('huge_json')!);
    const keptWhole = dlq.filter((d) => header(d, 'aiops.dlq.original_bytes') === undefined);
    for (const d of keptWhole) expect(d.value?.length ?? 0).toBeLessThanOrEqual(VALIDATOR_MAX_MESSAGE_BYTES);

    // The warehouse stores exactly what the validator passed: the valid events, and any corruption that
    // still made a valid event.
    await pipeline.start('writer');
    ch = pipeline.clickhouse();
    const client = ch;
    await waitFor(
      async () => {
        const rs = await client.query({
          query: `SELECT count() AS n FROM ${pipeline.database}.events FINAL`,
          format: 'JSONEachRow',
        });
        return Number(((await rs.json()) as Array<{ n: string }>)[0]?.n) === produced;
      },
      90_000,
      'events rows',
    );
    const rs = await client.query({
      query: `SELECT countIf(startsWith(event_id, 'valid-')) AS valid, uniqExact(event_id) AS ids FROM ${pipeline.database}.events FINAL`,
      format: 'JSONEachRow',
    });
    expect((await rs.json())[0]).toEqual({ valid: String(VALID), ids: String(produced) });
  });
});
