import type { ClickHouseClient } from '@clickhouse/client';
import { context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeUntil, header } from '../support/kafka.js';
import { TestPipeline, waitFor } from '../support/pipeline.js';

/**
 * The real OpenTelemetry JS SDK, instrumenting a fake LLM app, exports through its OTLP/HTTP exporters
 * (protobuf and JSON) to the receiver, in front of the real validator, aggregator, writer and detector.
 */
const WINDOW_MS = 60_000;
const SHAPE = { normal: 14, spike: 4, after: 3, perWindow: 8, factor: 6 };
const TOKEN = 'acme-token';

function resource(service: string) {
  return resourceFromAttributes({
    'service.name': service,
    'deployment.environment.name': 'production',
    // A payload claiming another tenant: the token's tenant wins.
    'tenant.id': 'someone-else',
  });
}

describe('otlp-receiver with the real OpenTelemetry SDK', () => {
  let pipeline: TestPipeline;
  let ch: ClickHouseClient;
  let port: number;
  const start = Math.floor((Date.now() - 3 * 3600_000) / WINDOW_MS) * WINDOW_MS;
  const ids: { chat?: string; tool?: string; agent?: string; trace?: string; bad?: string } = {};

  beforeAll(async () => {
    pipeline = new TestPipeline({
      partitions: 1,
      rules: { baseline: { warmup_windows: 8 }, lifecycle: { pending_for_ms: 0 } },
    });
    await pipeline.startAll(['validator', 'aggregator', 'writer', 'detector', 'otlp-receiver']);
    port = pipeline.receiver().port;
    ch = pipeline.clickhouse();
    await pipeline.waitReady();
  });
  afterAll(async () => {
    await pipeline?.stopAll();
    await ch?.close();
  });

  it('maps spans and an evaluation event into ClickHouse, builds windows and fires a latency alert', {
    timeout: 240_000,
  }, async () => {
    const headers = { Authorization: `Bearer ${TOKEN}` };
    const traces = new TracerProvider({
      resource: resource('support-bot'),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces`, headers }),
          maxExportBatchSize: 100,
        }),
      ],
    });
    const tracer = traces.getTracer('fake-llm-app');
    const at = (ms: number) => new Date(ms);

    // An agent step that calls the model and a tool (the tool span names no model: it inherits the agent's).
    const agentStart = start + 30_000;
    const agent = tracer.startSpan('invoke_agent triage', {
      startTime: at(agentStart),
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.agent.name': 'triage',
      },
    });
    const inAgent = trace.setSpan(context.active(), agent);
    const chat = tracer.startSpan(
      'chat gpt-4o',
      {
        startTime: at(agentStart + 100),
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.response.model': 'gpt-4o-2024-08-06',
          'gen_ai.usage.input_tokens': 1200,
          'gen_ai.usage.output_tokens': 300,
          'gen_ai.usage.cache_read.input_tokens': 800,
          'gen_ai.usage.cache_creation.input_tokens': 128,
          'gen_ai.response.time_to_first_chunk': 0.25,
          'gen_ai.conversation.id': 'conv-7',
          'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"SECRET PROMPT"}]}]',
          'gen_ai.output.messages':
            '[{"role":"assistant","parts":[{"type":"text","content":"SECRET ANSWER"}]}]',
        },
      },
      inAgent,
    );
    chat.end(at(agentStart + 900));
    const tool = tracer.startSpan(
      'execute_tool search',
      {
        startTime: at(agentStart + 950),
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' },
      },
      inAgent,
    );
    tool.setStatus({ code: SpanStatusCode.ERROR });
    tool.setAttribute('error.type', 'tool_timeout');
    tool.end(at(agentStart + 1450));
    agent.end(at(agentStart + 1500));
    // Not GenAI: ignored. A wrong attribute type: refused and dead-lettered.
    tracer
      .startSpan('GET /health', { startTime: at(agentStart), attributes: { 'http.request.method': 'GET' } })
      .end(at(agentStart + 5));
    const bad = tracer.startSpan('chat', {
      startTime: at(agentStart),
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 'lots',
      },
    });
    bad.end(at(agentStart + 10));
    ids.chat = chat.spanContext().spanId;
    ids.tool = tool.spanContext().spanId;
    ids.agent = agent.spanContext().spanId;
    ids.trace = chat.spanContext().traceId;
    ids.bad = bad.spanContext().spanId;

    // The latency incident: SHAPE.perWindow calls per minute, slow in the spike windows.
    const total = SHAPE.normal + SHAPE.spike + SHAPE.after;
    for (let w = 0; w < total; w++) {
      const slow = w >= SHAPE.normal && w < SHAPE.normal + SHAPE.spike;
      for (let j = 0; j < SHAPE.perWindow; j++) {
        const begin = start + w * WINDOW_MS + 2000 + j * 6000;
        const duration = (700 + ((j * 37) % 120)) * (slow ? SHAPE.factor : 1);
        const span: Span = tracer.startSpan('chat gpt-4o', {
          startTime: at(begin),
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.usage.input_tokens': 900,
            'gen_ai.usage.output_tokens': 200,
          },
        });
        span.end(at(begin + duration));
      }
    }
    // A call far ahead in event time closes the last windows.
    tracer
      .startSpan('chat gpt-4o', {
        startTime: at(start + (total + 3) * WINDOW_MS),
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
        },
      })
      .end(at(start + (total + 3) * WINDOW_MS + 500));
    await traces.forceFlush();

    // The evaluation result, as a log record (event name gen_ai.evaluation.result) in the chat span's context.
    const logs = new LoggerProvider({
      resource: resource('evaluator'),
      processors: [
        new BatchLogRecordProcessor({
          exporter: new OTLPLogExporter({ url: `http://127.0.0.1:${port}/v1/logs`, headers }),
        }),
      ],
    });
    logs.getLogger('judge').emit({
      eventName: 'gen_ai.evaluation.result',
      timestamp: at(agentStart + 5000),
      context: trace.setSpan(context.active(), chat),
      attributes: { 'gen_ai.evaluation.name': 'faithfulness', 'gen_ai.evaluation.score.value': 0.82 },
    });
    await logs.forceFlush();

    // JSON exporter: another model's calls.
    const jsonTraces = new TracerProvider({
      resource: resource('support-bot'),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporterJson({ url: `http://127.0.0.1:${port}/v1/traces`, headers }),
        }),
      ],
    });
    for (let j = 0; j < 3; j++) {
      jsonTraces
        .getTracer('fake-llm-app')
        .startSpan('embeddings', {
          startTime: at(start + 40_000 + j),
          attributes: {
            'gen_ai.operation.name': 'embeddings',
            'gen_ai.system': 'openai',
            'gen_ai.request.model': 'text-embedding-3-small',
            'gen_ai.usage.input_tokens': 50 + j,
          },
        })
        .end(at(start + 40_100 + j));
    }
    await jsonTraces.forceFlush();
    await Promise.all([traces.shutdown(), logs.shutdown(), jsonTraces.shutdown()]);

    const db = pipeline.database;
    const expectedEvents = 3 + total * SHAPE.perWindow + 1 + 1 + 3; // agent, chat, tool; incident; closer; evaluation; embeddings
    await waitFor(
      async () => {
        const rs = await ch.query({
          query: `SELECT count() AS n FROM ${db}.events FINAL`,
          format: 'JSONEachRow',
        });
        return Number(((await rs.json()) as Array<{ n: string }>)[0]?.n) >= expectedEvents;
      },
      120_000,
      'events in ClickHouse',
    );
    const rs = await ch.query({
      query: `SELECT event_type, tenant_id, application, environment, provider, model, operation, response_model,
                     trace_id, span_id, parent_span_id, session_id, agent_name, tool_name, status, error_type,
                     duration_ms, time_to_first_token_ms, input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens,
                     cost_source, scores.name AS score_names, scores.value AS score_values, attributes.key AS attribute_keys
              FROM ${db}.events FINAL WHERE span_id IN ('${ids.chat}', '${ids.tool}', '${ids.agent}', '${ids.bad}')
              ORDER BY event_type`,
      format: 'JSONEachRow',
    });
    const rows = (await rs.json()) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.event_type)).toEqual(['agent_step', 'evaluation', 'llm_call', 'tool_call']);
    const byType = Object.fromEntries(rows.map((r) => [r.event_type as string, r]));
    expect(byType.llm_call).toMatchObject({
      tenant_id: 'acme',
      application: 'support-bot',
      environment: 'production',
      provider: 'openai',
      model: 'gpt-4o',
      operation: 'chat',
      response_model: 'gpt-4o-2024-08-06',
      trace_id: ids.trace,
      parent_span_id: ids.agent,
      session_id: 'conv-7',
      status: 'ok',
      duration_ms: 800,
      time_to_first_token_ms: 250,
      input_tokens: '1200',
      output_tokens: '300',
      cache_read_input_tokens: '800',
      cache_creation_input_tokens: '128',
    });
    expect(byType.tool_call).toMatchObject({
      operation: 'execute_tool',
      tool_name: 'search',
      provider: 'openai',
      model: 'gpt-4o',
      status: 'error',
      error_type: 'tool_timeout',
      duration_ms: 500,
      parent_span_id: ids.agent,
    });
    expect(byType.agent_step).toMatchObject({ operation: 'invoke_agent', agent_name: 'triage' });
    expect(byType.evaluation).toMatchObject({
      span_id: ids.chat,
      application: 'support-bot',
      provider: 'openai',
      model: 'gpt-4o',
      operation: 'chat',
      score_names: ['faithfulness'],
      score_values: [0.82],
    });
    // Content never reaches storage.
    const secret = await ch.query({
      query: `SELECT count() AS n FROM ${db}.events WHERE positionCaseInsensitive(toString(attributes.value), 'SECRET') > 0`,
      format: 'JSONEachRow',
    });
    expect(((await secret.json()) as Array<{ n: string }>)[0]?.n).toBe('0');
    const embeddings = await ch.query({
      query: `SELECT count() AS n FROM ${db}.events FINAL WHERE model = 'text-embedding-3-small' AND event_type = 'embedding' AND provider = 'openai'`,
      format: 'JSONEachRow',
    });
    expect(((await embeddings.json()) as Array<{ n: string }>)[0]?.n).toBe('3');

    // The refused span is in the DLQ with its reason.
    const letters = await consumeUntil(
      pipeline.topics.dlq,
      (m) => m.some((x) => header(x, 'aiops.dlq.service') === 'otlp-receiver'),
      30_000,
    );
    const letter = letters.find((x) => header(x, 'aiops.dlq.service') === 'otlp-receiver')!;
    expect(header(letter, 'aiops.dlq.reason')).toBe('schema_violation');
    expect(header(letter, 'aiops.dlq.field')).toBe('input_tokens');
    expect(header(letter, 'aiops.dlq.source.topic')).toBe('otlp:/v1/traces');

    // Windows were built, and the latency incident fired an alert.
    await waitFor(
      async () => {
        const windows = await ch.query({
          query: `SELECT count() AS n FROM ${db}.window_aggregates FINAL WHERE model = 'gpt-4o' AND operation = 'chat'`,
          format: 'JSONEachRow',
        });
        return Number(((await windows.json()) as Array<{ n: string }>)[0]?.n) >= total;
      },
      120_000,
      'windows in ClickHouse',
    );
    await waitFor(
      async () => {
        const alerts = await ch.query({
          query: `SELECT count() AS n FROM ${db}.alerts FINAL WHERE detector = 'latency' AND status = 'firing' AND model = 'gpt-4o' AND tenant_id = 'acme'`,
          format: 'JSONEachRow',
        });
        return Number(((await alerts.json()) as Array<{ n: string }>)[0]?.n) >= 1;
      },
      120_000,
      'a firing latency alert',
    );

    // Counters add up: what the receiver accepted, refused, ignored, dropped and overwrote.
    const metrics = await pipeline.metrics.registry.getMetricsAsJSON();
    const value = (name: string, labels: Record<string, string>) =>
      metrics
        .find((m) => m.name === name)
        ?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
    expect(value('aiops_otlp_items_total', { signal: 'traces', outcome: 'accepted' })).toBe(
      expectedEvents - 1,
    );
    expect(value('aiops_otlp_items_total', { signal: 'logs', outcome: 'accepted' })).toBe(1);
    expect(value('aiops_otlp_items_total', { signal: 'traces', outcome: 'refused' })).toBe(1);
    expect(value('aiops_otlp_items_total', { signal: 'traces', outcome: 'ignored' })).toBe(1);
    expect(value('aiops_otlp_content_dropped_total', { signal: 'traces' })).toBe(2);
    expect(value('aiops_otlp_tenant_overwritten_total', { signal: 'traces' })).toBe(expectedEvents - 1);
  });
});
