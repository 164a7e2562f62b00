/**
 * Seeded bad input for the validator: every class of malformed message the issue lists, each with the
 * dead-letter reason the contract promises for it, plus valid traffic to mix it into. Deterministic for a
 * seed and a "now" (timestamps are relative to it).
 *
 * The expected reasons are stated here, by construction, never asked of the parser under test. The one
 * class whose outcome cannot be known without parsing (random bytes overwritten in an Avro body: the
 * result may be any decode error, a contract violation, or even a still-valid event) has no expected
 * reason; tests assert only what holds independently for it (each is dead-lettered with some reason or
 * accepted as an event, and the counters add up).
 */
import { encodeEventAvroSingleObject, encodeEventConfluent, type TelemetryEvent } from '@aiops/contract';
import { seededRandom } from '@aiops/core';
import { countTopicRecords } from '@aiops/kafka';
import { telemetryEvent } from '@aiops/testkit';
import { generateEvents, type RawEvent } from './events.js';

/** The broker's limit (infra/kafka/server.properties message.max.bytes): a record batch, not a value. */
export const BROKER_MESSAGE_MAX_BYTES = 2_097_152;
/** The validator's default maxMessageBytes. */
export const VALIDATOR_MAX_MESSAGE_BYTES = 256 * 1024;
/** The contract's default limits.maxMessageBytes. */
export const CONTRACT_MAX_MESSAGE_BYTES = 256 * 1024;

export interface FuzzClass {
  readonly name: string;
  /** The dead-letter reason every message of the class gets; null when it varies (random corruption). */
  readonly reason: string | null;
  readonly what: string;
}

export interface FuzzMessage {
  readonly value: Buffer | null;
  readonly className: string;
  /** The class's expected reason; null for random corruption (not known without the parser under test). */
  readonly reason: string | null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Random = () => number;
type Build = (random: Random, i: number, nowMs: number) => Buffer | null;

interface ClassSpec extends FuzzClass {
  /** Share of the small-message budget. */
  readonly weight: number;
  readonly build: Build;
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** A valid producer JSON object (before the one thing a class breaks). */
function baseInput(i: number, nowMs: number, random: Random): Record<string, unknown> {
  return {
    event_id: `fuzz-${i}`,
    event_type: 'llm_call',
    timestamp: nowMs - Math.floor(random() * HOUR),
    tenant_id: pick(random, ['acme', 'globex', 'initech']),
    application: 'fuzzed-app',
    provider: 'openai',
    model: 'gpt-4o',
    operation: 'chat',
    duration_ms: 100 + Math.floor(random() * 1000),
    input_tokens: 10 + Math.floor(random() * 100),
    output_tokens: 5 + Math.floor(random() * 50),
  };
}

/** A complete canonical event, for Avro encodings. */
export function canonicalEvent(overrides: Partial<TelemetryEvent>): TelemetryEvent {
  return telemetryEvent({
    event_id: 'e',
    timestamp: 0,
    application: 'fuzzed-app',
    duration_ms: 250,
    time_to_first_token_ms: null,
    input_tokens: 100,
    output_tokens: 20,
    cost_usd: null,
    cost_source: null,
    ...overrides,
  });
}

function avroOf(i: number, nowMs: number, overrides: Partial<TelemetryEvent> = {}): Buffer {
  return encodeEventAvroSingleObject(
    canonicalEvent({ event_id: `fz-${i}`, timestamp: nowMs - 60_000, ...overrides }),
  );
}

/** Offset of the event_type enum index in a single-object message whose event_id is shorter than 64 bytes. */
const enumOffset = (eventId: string) => 10 + 1 + Buffer.byteLength(eventId);

const SMALL_CLASSES: readonly ClassSpec[] = [
  {
    name: 'truncated_avro',
    reason: 'truncated_avro',
    what: 'Avro single-object messages cut anywhere after the header',
    weight: 2,
    build: (random, i, now) => {
      const full = avroOf(i, now);
      return full.subarray(0, 10 + Math.floor(random() * (full.length - 10)));
    },
  },
  {
    name: 'truncated_header',
    reason: 'truncated_avro',
    what: 'Avro single-object header shorter than 10 bytes',
    weight: 0.3,
    build: (random, i, now) => avroOf(i, now).subarray(0, 2 + Math.floor(random() * 8)),
  },
  {
    name: 'avro_trailing_bytes',
    reason: 'invalid_avro',
    what: 'valid Avro body followed by garbage',
    weight: 1,
    build: (random, i, now) =>
      Buffer.concat([avroOf(i, now), Buffer.from([1 + Math.floor(random() * 200), 7, 7])]),
  },
  {
    name: 'avro_bad_enum_index',
    reason: 'invalid_avro',
    what: 'event_type enum index out of range',
    weight: 1,
    build: (random, i, now) => {
      const bytes = Buffer.from(avroOf(i, now));
      bytes[enumOffset(`fz-${i}`)] = 0x10 + 2 * Math.floor(random() * 40); // zig-zag 8…47
      return bytes;
    },
  },
  {
    name: 'avro_corrupted',
    reason: null,
    what: 'Avro bodies with random bytes overwritten: refused with some reason, or (rarely) still a valid event',
    weight: 2,
    build: (random, i, now) => {
      const bytes = Buffer.from(
        avroOf(i, now, { user_id: `u-${i}`, attributes: { region: 'eu', build: String(i) } }),
      );
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        bytes[10 + Math.floor(random() * (bytes.length - 10))] = Math.floor(random() * 256);
      }
      return bytes;
    },
  },
  {
    name: 'avro_invalid_utf8',
    reason: 'invalid_utf8',
    what: 'an Avro string that is not UTF-8',
    weight: 0.5,
    build: (_random, i, now) => {
      const bytes = Buffer.from(avroOf(i, now, { event_id: `éé-${i}` }));
      const at = bytes.indexOf(Buffer.from('éé'));
      bytes[at + 1] = 0x28;
      return bytes;
    },
  },
  {
    name: 'avro_contract_violation',
    reason: 'schema_violation',
    what: 'well-formed Avro that breaks the contract: negative tokens, NaN/Infinity numbers, long strings',
    weight: 1,
    build: (random, i, now) => {
      const broken: Partial<TelemetryEvent>[] = [
        { input_tokens: -1 - Math.floor(random() * 100) },
        { duration_ms: Number.NaN },
        { duration_ms: Number.POSITIVE_INFINITY },
        { cost_usd: Number.NEGATIVE_INFINITY },
        { time_to_first_token_ms: -5 },
        { model: 'm'.repeat(257 + Math.floor(random() * 500)) },
        { timestamp: now + 30 * DAY },
        { scores: { faithfulness: 1.5 } },
      ];
      return avroOf(i, now, pick(random, broken));
    },
  },
  {
    name: 'unknown_fingerprint',
    reason: 'unknown_fingerprint',
    what: 'single-object messages whose schema fingerprint is unknown',
    weight: 1,
    build: (random, i, now) => {
      const bytes = Buffer.from(avroOf(i, now));
      const at = 2 + Math.floor(random() * 8);
      bytes[at] = bytes[at]! ^ (1 + Math.floor(random() * 255));
      return bytes;
    },
  },
  {
    name: 'confluent_without_registry',
    reason: 'bad_magic',
    what: 'Confluent framing (00 + schema id) with unknown schema ids: no registry is configured',
    weight: 1,
    build: (random, i, now) =>
      encodeEventConfluent(
        canonicalEvent({ event_id: `cf-${i}`, timestamp: now - 1000 }),
        Math.floor(random() * 0xffffffff),
      ),
  },
  {
    name: 'wrong_magic',
    reason: 'bad_magic',
    what: 'first bytes of no wire format: C3 02, arrays, text, binary noise',
    weight: 1.5,
    build: (random, i) => {
      const kind = Math.floor(random() * 5);
      if (kind === 0) return Buffer.from([0xc3, 0x02 + Math.floor(random() * 250), 1, 2, 3]);
      if (kind === 1) return Buffer.from(`[{"event_id": "a-${i}"}]`);
      if (kind === 2) return Buffer.from(`event_id=${i} model=gpt-4o`);
      if (kind === 3) return Buffer.from(`  \n\t "just a string ${i}"`);
      const noise = Buffer.alloc(1 + Math.floor(random() * 64));
      for (let b = 0; b < noise.length; b++) noise[b] = Math.floor(random() * 256);
      // Not C3, 00, '{' or JSON whitespace: those would be other wire formats.
      noise[0] = pick(random, [0x01, 0x41, 0x7f, 0x80, 0xff, 0xc4, 0x5b]);
      return noise;
    },
  },
  {
    name: 'invalid_utf8_json',
    reason: 'invalid_utf8',
    what: 'JSON whose bytes are not UTF-8',
    weight: 1,
    build: (random, i, now) => {
      const text = JSON.stringify({ ...baseInput(i, now, random), model: 'gpt-XX' });
      const at = text.indexOf('XX');
      const bytes = Buffer.from(text);
      const bad = pick(random, [
        [0xc3, 0x28],
        [0xff, 0xfe],
        [0xed, 0xa0],
        [0xe2, 0x28],
      ]);
      bytes[at] = bad[0]!;
      bytes[at + 1] = bad[1]!;
      return bytes;
    },
  },
  {
    name: 'invalid_json',
    reason: 'invalid_json',
    what: 'syntax errors: truncated, trailing commas, NaN/Infinity literals, single quotes',
    weight: 2,
    build: (random, i, now) => {
      const text = JSON.stringify(baseInput(i, now, random));
      const kind = Math.floor(random() * 6);
      if (kind === 0) return Buffer.from(text.slice(0, 1 + Math.floor(random() * (text.length - 2))));
      if (kind === 1) return Buffer.from(`${text.slice(0, -1)},}`);
      if (kind === 2) return Buffer.from(text.replace(/"duration_ms":\d+/, '"duration_ms":NaN'));
      if (kind === 3) return Buffer.from(text.replace(/"input_tokens":\d+/, '"input_tokens":-Infinity'));
      if (kind === 4) return Buffer.from(text.replaceAll('"', "'"));
      return Buffer.from(`${text} {"second": true}`);
    },
  },
  {
    name: 'json_too_deep',
    reason: 'json_too_deep',
    what: 'JSON nested deeper than 8 levels',
    weight: 1,
    build: (random, i, now) => {
      const depth = 9 + Math.floor(random() * 200);
      const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const text = JSON.stringify(baseInput(i, now, random));
      return Buffer.from(`${text.slice(0, -1)},"attributes":${nested}}`);
    },
  },
  {
    name: 'wrong_types',
    reason: 'schema_violation',
    what: 'fields of the wrong type',
    weight: 1.5,
    build: (random, i, now) => {
      const broken = pick(random, [
        { input_tokens: 'twelve' },
        { tenant_id: 42 },
        { scores: { relevance: 'high' } },
        { attributes: { nested: { a: 1 } } },
        { guardrail_flags: 'pii' },
        { feedback: true },
        { model: null },
        { timestamp: { seconds: 1 } },
      ]);
      return json({ ...baseInput(i, now, random), ...broken });
    },
  },
  {
    name: 'bad_numbers',
    reason: 'schema_violation',
    what: 'NaN/Infinity as strings or overflowing literals, negative or fractional tokens and durations',
    weight: 1.5,
    build: (random, i, now) => {
      const base = JSON.stringify(baseInput(i, now, random)).slice(0, -1);
      const extra = pick(random, [
        '"cost_usd":"NaN"',
        '"cost_usd":"Infinity"',
        '"time_to_first_token_ms":1e999',
        '"cache_read_input_tokens":-1e999',
        '"reasoning_output_tokens":-3',
        '"cache_read_input_tokens":2.5',
        '"time_to_first_token_ms":-0.001',
        '"cost_usd":-0.5',
        '"scores":{"f":-0.1}',
        '"feedback":0',
      ]);
      return Buffer.from(`${base},${extra}}`);
    },
  },
  {
    name: 'negative_tokens_durations',
    reason: 'schema_violation',
    what: 'negative token counts and durations',
    weight: 1,
    build: (random, i, now) =>
      json({
        ...baseInput(i, now, random),
        ...pick(random, [
          { input_tokens: -1 - Math.floor(random() * 1000) },
          { output_tokens: -1 },
          { duration_ms: -1 - random() * 1000 },
          { duration_ms: 2 * DAY },
        ]),
      }),
  },
  {
    name: 'timestamp_out_of_range',
    reason: 'schema_violation',
    what: 'timestamps far in the past or future, seconds instead of ms, impossible dates',
    weight: 1.5,
    build: (random, i, now) =>
      json({
        ...baseInput(i, now, random),
        timestamp: pick(random, [
          now + 3 * DAY + Math.floor(random() * 365 * DAY),
          now - 31 * DAY - Math.floor(random() * 3650 * DAY),
          Math.floor(now / 1000),
          '9999-12-31T23:59:59Z',
          '1970-01-01T00:00:00Z',
          '2025-02-30T00:00:00Z',
          -1,
          8.64e15 + 1,
        ]),
      }),
  },
  {
    name: 'unknown_enum_values',
    reason: 'schema_violation',
    what: 'event_type/status/cost_source outside their vocabularies',
    weight: 1,
    build: (random, i, now) =>
      json({
        ...baseInput(i, now, random),
        ...pick(random, [
          { event_type: 'llm_calls' },
          { event_type: 'LLM_CALL' },
          { status: 'maybe' },
          { status: 'OK' },
          { cost_source: 'guessed' },
        ]),
      }),
  },
  {
    name: 'oversized_strings',
    reason: 'schema_violation',
    what: 'ids and dimensions above 256 characters',
    weight: 1,
    build: (random, i, now) => {
      const long = 'x'.repeat(257 + Math.floor(random() * 4000));
      const field = pick(random, ['model', 'tenant_id', 'event_id', 'application', 'error_type', 'user_id']);
      return json({ ...baseInput(i, now, random), [field]: long });
    },
  },
  {
    name: 'oversized_attributes',
    reason: 'schema_violation',
    what: 'attribute maps above 64 entries, values above 1024 characters, keys above 128',
    weight: 1,
    build: (random, i, now) => {
      const kind = Math.floor(random() * 3);
      let attributes: Record<string, string>;
      if (kind === 0) {
        attributes = Object.fromEntries(
          Array.from({ length: 65 + Math.floor(random() * 200) }, (_, k) => [`k${k}`, 'v']),
        );
      } else if (kind === 1) {
        attributes = { note: 'y'.repeat(1025 + Math.floor(random() * 5000)) };
      } else {
        attributes = { ['k'.repeat(129)]: 'v' };
      }
      return json({ ...baseInput(i, now, random), attributes });
    },
  },
  {
    name: 'forbidden_content',
    reason: 'forbidden_field',
    what: 'prompt or completion text, at the top level or in attributes',
    weight: 1,
    build: (random, i, now) =>
      json({
        ...baseInput(i, now, random),
        ...pick(random, [
          { prompt: 'What is the capital of France?' },
          { completion: 'Paris.' },
          { messages: [{ role: 'user', content: 'hi' }] },
          { 'gen_ai.prompt': 'hello' },
          { attributes: { 'gen_ai.completion.0.content': 'Paris.' } },
          { attributes: { 'llm.input_messages': '[]' } },
        ]),
      }),
  },
  {
    name: 'unknown_fields',
    reason: 'schema_violation',
    what: 'keys the contract does not know',
    weight: 0.5,
    build: (random, i, now) => json({ ...baseInput(i, now, random), tokens: 5, [`extra_${i}`]: true }),
  },
  {
    name: 'empty',
    reason: 'empty_message',
    what: 'tombstones (null values) and zero-length values',
    weight: 0.3,
    build: (random) => (random() < 0.5 ? null : Buffer.alloc(0)),
  },
];

/** Few, large messages: each class has a fixed count. */
const LARGE_CLASSES: readonly (FuzzClass & { count: number; bytes: number })[] = [
  {
    name: 'huge_json',
    reason: 'message_too_large',
    what: 'JSON just above the message limit (256 KiB, the contract and validator default)',
    count: 8,
    bytes: CONTRACT_MAX_MESSAGE_BYTES + 40_000,
  },
  {
    name: 'over_validator_limit',
    reason: 'message_too_large',
    what: 'messages far above the message limit',
    count: 3,
    bytes: 1024 * 1024 + 300_000,
  },
  {
    name: 'near_broker_limit',
    reason: 'message_too_large',
    what: "messages 1 KiB under the broker's message.max.bytes (2 MiB)",
    count: 2,
    bytes: BROKER_MESSAGE_MAX_BYTES - 1024,
  },
];

export const FUZZ_CLASSES: readonly FuzzClass[] = [...SMALL_CLASSES, ...LARGE_CLASSES].map(
  ({ name, reason, what }) => ({ name, reason, what }),
);

/** A JSON event padded with attributes to exactly `bytes` bytes (valid JSON, far too large). */
function paddedJson(bytes: number, i: number, nowMs: number, random: Random): Buffer {
  const head = JSON.stringify({ ...baseInput(i, nowMs, random), attributes: { pad: '' } });
  const fill = bytes - Buffer.byteLength(head);
  return Buffer.from(head.replace('"pad":""', `"pad":"${'p'.repeat(Math.max(0, fill))}"`));
}

export interface MalformedSet {
  /** Small messages, shuffled. */
  readonly small: FuzzMessage[];
  /** Large messages (send each on its own: several in one request would exceed the broker's limit). */
  readonly large: FuzzMessage[];
  readonly byClass: ReadonlyMap<string, number>;
  /** Messages per expected reason, over the classes with a fixed reason. */
  readonly byReason: ReadonlyMap<string, number>;
  /** Messages with a fixed expected reason: each must be dead-lettered with it. */
  readonly withReason: number;
  /** Randomly corrupted messages (no expected reason): each is dead-lettered or accepted. */
  readonly corrupted: number;
}

/** At least `count` small malformed messages spread over every class by weight, plus the large ones. */
export function generateMalformed(seed: number, count: number, nowMs: number): MalformedSet {
  const random = seededRandom(seed);
  const totalWeight = SMALL_CLASSES.reduce((sum, c) => sum + c.weight, 0);
  const small: FuzzMessage[] = [];
  let i = 0;
  for (const spec of SMALL_CLASSES) {
    const target = Math.ceil((count * spec.weight) / totalWeight);
    for (let made = 0; made < target; made++) {
      small.push({ value: spec.build(random, i++, nowMs), className: spec.name, reason: spec.reason });
    }
  }
  // Fisher-Yates, seeded.
  for (let k = small.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    [small[k], small[j]] = [small[j]!, small[k]!];
  }
  const large: FuzzMessage[] = [];
  for (const spec of LARGE_CLASSES) {
    for (let n = 0; n < spec.count; n++) {
      large.push({
        value: paddedJson(spec.bytes, i++, nowMs, random),
        className: spec.name,
        reason: spec.reason,
      });
    }
  }
  const byClass = new Map<string, number>();
  const byReason = new Map<string, number>();
  let corrupted = 0;
  for (const m of [...small, ...large]) {
    byClass.set(m.className, (byClass.get(m.className) ?? 0) + 1);
    if (m.reason === null) corrupted++;
    else byReason.set(m.reason, (byReason.get(m.reason) ?? 0) + 1);
  }
  return { small, large, byClass, byReason, withReason: small.length + large.length - corrupted, corrupted };
}

/** The user_id a valid event carries before the validator hashes it (every third event has one). */
export function rawUserId(index: number): string {
  return `user-${index % 50}@example.com`;
}

export interface ValidTraffic {
  readonly messages: Buffer[];
  /** Distinct events among them (the rest are exact duplicates). */
  readonly events: RawEvent[];
  readonly duplicates: number;
}

/**
 * `count` valid events within the last two hours, a fifth of them as Avro single-object messages (the
 * rest JSON, RFC 3339 timestamps), plus `duplicates` exact copies of earlier messages.
 */
export function generateValid(seed: number, count: number, nowMs: number, duplicates = 0): ValidTraffic {
  const start = nowMs - 2 * HOUR;
  const events = generateEvents(seed, count, start, 60).map((e) => ({
    ...e,
    event_id: `valid-${seed}-${e.event_id}`,
  }));
  const random = seededRandom(seed ^ 0x5eed);
  const messages = events.map((e, k) => {
    const user_id = k % 3 === 0 ? rawUserId(k) : null;
    if (k % 5 === 0) {
      const { scores, feedback, error_type, ...rest } = e;
      return encodeEventAvroSingleObject(
        canonicalEvent({
          ...rest,
          user_id,
          error_type: error_type ?? null,
          scores: scores ?? {},
          feedback: feedback ?? null,
        }),
      );
    }
    return json({ ...e, user_id, timestamp: new Date(e.timestamp).toISOString() });
  });
  for (let d = 0; d < duplicates; d++) messages.push(messages[Math.floor(random() * count)]!);
  return { messages, events, duplicates };
}

/** Records in a topic, read to its end (offsets overcount a transactional topic). */
export const topicCount = countTopicRecords;

interface LabelledMetric {
  get(): Promise<{ values: readonly { value: number; labels: Readonly<Record<string, string | number>> }[] }>;
}

/** Sum of a prom-client counter or gauge over the series whose labels include `labels`. */
export async function metricSum(
  metric: LabelledMetric,
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get();
  let sum = 0;
  for (const v of values) {
    if (Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)) sum += v.value;
  }
  return sum;
}

/** Per value of `label`, the sum of a metric (e.g. dead letters by reason). */
export async function metricBy(
  metric: LabelledMetric,
  label: string,
  labels: Record<string, string> = {},
): Promise<Map<string, number>> {
  const { values } = await metric.get();
  const out = new Map<string, number>();
  for (const v of values) {
    if (!Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)) continue;
    const key = String(v.labels[label]);
    out.set(key, (out.get(key) ?? 0) + v.value);
  }
  return out;
}
