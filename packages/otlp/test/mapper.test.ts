import { describe, expect, it } from 'vitest';
import { mapLogsRequest, mapTraceRequest, UNKNOWN, UNKNOWN_SERVICE } from '../src/mapper.js';
import type { AttributeValue, OtlpSpan } from '../src/model.js';
import { RecentCalls } from '../src/recent-calls.js';
import { attrs, END_NS, evaluationRecord, NOW_MS, span, TRACE } from './helpers.js';

const options = { tenantId: 'acme', applicationKey: 'service.name', nowMs: NOW_MS };
const resource = attrs({ 'service.name': 'support-bot', 'deployment.environment.name': 'staging' });

function mapSpans(spans: OtlpSpan[], recent = new RecentCalls(100), res = resource) {
  return mapTraceRequest({ resourceSpans: [{ resource: res, spans }] }, options, recent);
}

function one(extra: Record<string, AttributeValue>, overrides: Partial<OtlpSpan> = {}) {
  const base = span(overrides);
  const result = mapSpans([{ ...base, attributes: new Map([...base.attributes, ...Object.entries(extra)]) }]);
  expect(result.refused).toEqual([]);
  expect(result.events).toHaveLength(1);
  return result.events[0]!;
}

describe('mapTraceRequest: span → event, field by field', () => {
  it('maps the identity, series and timing of a chat span', () => {
    const event = one({}, { parentSpanId: '00f067aa0ba902b7' });
    expect(event).toMatchObject({
      event_id: `${TRACE}:b7ad6b7169203331`,
      event_type: 'llm_call',
      operation: 'chat',
      tenant_id: 'acme',
      application: 'support-bot',
      environment: 'staging',
      provider: 'openai',
      model: 'gpt-4o',
      trace_id: TRACE,
      span_id: 'b7ad6b7169203331',
      parent_span_id: '00f067aa0ba902b7',
      timestamp: Number(END_NS / 1_000_000n),
      duration_ms: 1250,
      status: 'ok',
      error_type: null,
      cost_source: null,
    });
  });

  it.each([
    ['chat', 'llm_call'],
    ['text_completion', 'llm_call'],
    ['generate_content', 'llm_call'],
    ['embeddings', 'embedding'],
    ['execute_tool', 'tool_call'],
    ['invoke_agent', 'agent_step'],
    ['create_agent', 'agent_step'],
    ['retrieval', 'retrieval'],
    ['apply_guardrail', 'guardrail'],
  ])('operation %s → event_type %s', (operation, type) => {
    const event = one({ 'gen_ai.operation.name': operation });
    expect(event.operation).toBe(operation);
    expect(event.event_type).toBe(type);
  });

  it('gen_ai.system is the alias of gen_ai.provider.name (the current name wins)', () => {
    const base = span();
    const attributes = new Map(base.attributes);
    attributes.delete('gen_ai.provider.name');
    attributes.set('gen_ai.system', 'anthropic');
    expect(mapSpans([{ ...base, attributes }]).events[0]?.provider).toBe('anthropic');
    expect(one({ 'gen_ai.system': 'anthropic' }).provider).toBe('openai');
  });

  it('maps response model, tokens, cost, time to first chunk, names and conversation', () => {
    const event = one({
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 800,
      'gen_ai.usage.reasoning.output_tokens': 64,
      'gen_ai.usage.cache_creation.input_tokens': 256,
      'gen_ai.usage.cost.amount': 0.0123,
      'gen_ai.response.time_to_first_chunk': 0.35,
      'gen_ai.conversation.id': 'conv-1',
      'gen_ai.agent.name': 'triage',
      'gen_ai.tool.name': 'search',
      'gen_ai.prompt.name': 'answer-v2',
      'user.id': 'u-42',
    });
    expect(event).toMatchObject({
      response_model: 'gpt-4o-2024-08-06',
      input_tokens: 1200,
      output_tokens: 300,
      cache_read_input_tokens: 800,
      reasoning_output_tokens: 64,
      cache_creation_input_tokens: 256,
      cost_usd: 0.0123,
      time_to_first_token_ms: 350,
      session_id: 'conv-1',
      agent_name: 'triage',
      tool_name: 'search',
      prompt_name: 'answer-v2',
      user_id: 'u-42',
    });
  });

  it('cache_write is the alias of cache_creation', () => {
    expect(one({ 'gen_ai.usage.cache_write.input_tokens': 32 }).cache_creation_input_tokens).toBe(32);
  });

  it('prompt_tokens/completion_tokens are the aliases of input/output tokens', () => {
    const event = one({ 'gen_ai.usage.prompt_tokens': 10, 'gen_ai.usage.completion_tokens': 20 });
    expect([event.input_tokens, event.output_tokens]).toEqual([10, 20]);
  });

  it.each([
    ['gen_ai.usage.cost', 0.5],
    ['llm.cost.total', 0.25],
  ])('cost from %s', (key, value) => {
    expect(one({ [key]: value }).cost_usd).toBe(value);
  });

  it('no cost attribute leaves cost_usd null for the validator to price', () => {
    expect(one({}).cost_usd).toBeNull();
  });

  it('status code 2 → error, with error.type or _OTHER', () => {
    expect(one({ 'error.type': 'timeout' }, { statusCode: 2 })).toMatchObject({
      status: 'error',
      error_type: 'timeout',
    });
    expect(one({}, { statusCode: 2 })).toMatchObject({ status: 'error', error_type: '_OTHER' });
    expect(one({ 'error.type': 'timeout' }, { statusCode: 1 })).toMatchObject({
      status: 'ok',
      error_type: null,
    });
  });

  it('defaults: unknown_service without service.name, production without an environment', () => {
    const event = mapSpans([span()], new RecentCalls(10), attrs({})).events[0]!;
    expect(event.application).toBe(UNKNOWN_SERVICE);
    expect(event.environment).toBe('production');
  });

  it('the application attribute is configurable', () => {
    const result = mapTraceRequest(
      { resourceSpans: [{ resource: attrs({ 'app.name': 'billing' }), spans: [span()] }] },
      { ...options, applicationKey: 'app.name' },
      new RecentCalls(10),
    );
    expect(result.events[0]?.application).toBe('billing');
  });

  it('a tool call inherits provider and model from its parent, in the request or among recent calls', () => {
    const tool = span({
      spanId: '1111111111111111',
      parentSpanId: 'b7ad6b7169203331',
      attributes: attrs({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' }),
    });
    const together = mapSpans([tool, span()]);
    expect(together.events.map((e) => [e.event_type, e.provider, e.model])).toEqual([
      ['tool_call', 'openai', 'gpt-4o'],
      ['llm_call', 'openai', 'gpt-4o'],
    ]);
    const recent = new RecentCalls(10);
    mapSpans([span()], recent);
    expect(mapSpans([tool], recent).events[0]).toMatchObject({ provider: 'openai', model: 'gpt-4o' });
    expect(mapSpans([tool]).events[0]).toMatchObject({ provider: UNKNOWN, model: UNKNOWN });
  });

  it('a span naming a model but no operation is a chat call', () => {
    const attributes = attrs({ 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o' });
    expect(mapSpans([span({ attributes })]).events[0]).toMatchObject({
      operation: 'chat',
      event_type: 'llm_call',
    });
  });
});

describe('mapTraceRequest: what is not stored', () => {
  it('ignores and counts spans without gen_ai.* attributes', () => {
    const http = span({ spanId: '2222222222222222', attributes: attrs({ 'http.request.method': 'GET' }) });
    const result = mapSpans([http, span()]);
    expect(result.ignored).toBe(1);
    expect(result.events).toHaveLength(1);
    expect(result.refused).toEqual([]);
  });

  it('drops prompt and completion content and counts it', () => {
    const base = span();
    const content: Record<string, AttributeValue> = {
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"secret"}]}]',
      'gen_ai.output.messages': '[]',
      'gen_ai.system_instructions': 'be nice',
      'gen_ai.prompt': 'legacy',
      'gen_ai.completion': 'legacy',
      'gen_ai.prompt.0.content': 'openllmetry',
    };
    const result = mapSpans([
      {
        ...base,
        attributes: new Map([...base.attributes, ...Object.entries(content)]),
        events: [
          {
            name: 'gen_ai.content.prompt',
            timeUnixNano: END_NS,
            attributes: attrs({ 'gen_ai.prompt': 'x' }),
          },
        ],
      },
    ]);
    expect(result.droppedContent).toBe(7);
    expect(result.events).toHaveLength(1);
    expect(JSON.stringify(result.events)).not.toMatch(/secret|legacy|openllmetry|be nice/);
  });

  it('the tenant comes from the token: a claim in the payload is overwritten and counted', () => {
    const claimed = attrs({ 'service.name': 'x', 'tenant.id': 'other-tenant' });
    const result = mapSpans([span()], new RecentCalls(10), claimed);
    expect(result.events[0]?.tenant_id).toBe('acme');
    expect(result.tenantOverwritten).toBe(1);
    const same = mapSpans([span()], new RecentCalls(10), attrs({ 'tenant.id': 'acme' }));
    expect(same.tenantOverwritten).toBe(0);
  });

  it('refuses a span with an attribute of the wrong type, naming it, and keeps the others', () => {
    const bad = span({
      spanId: '3333333333333333',
      attributes: attrs({
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'm',
        'gen_ai.usage.input_tokens': 'many',
      }),
    });
    const result = mapSpans([bad, span()]);
    expect(result.events).toHaveLength(1);
    expect(result.refused).toEqual([
      expect.objectContaining({
        reason: 'schema_violation',
        field: 'input_tokens',
        spanId: '3333333333333333',
        message: expect.stringContaining('gen_ai.usage.input_tokens must be a non-negative integer'),
      }),
    ]);
  });

  it('refuses what the contract refuses (an unknown operation, a timestamp out of range)', () => {
    const unknownOp = span({
      attributes: attrs({ 'gen_ai.operation.name': 'dance', 'gen_ai.request.model': 'm' }),
    });
    const old = span({ spanId: '4444444444444444', endTimeUnixNano: 1_000_000_000n, startTimeUnixNano: 0n });
    const result = mapSpans([unknownOp, old]);
    expect(result.events).toEqual([]);
    expect(result.refused.map((r) => r.field)).toEqual(['event_type', 'timestamp']);
    expect(result.refused[1]?.input).toMatchObject({ span_id: '4444444444444444' });
  });
});

describe('evaluation results', () => {
  it('a gen_ai.evaluation.result span event → an evaluation event of the span', () => {
    const result = mapSpans([
      span({
        events: [
          {
            name: 'gen_ai.evaluation.result',
            timeUnixNano: END_NS,
            attributes: attrs({
              'gen_ai.evaluation.name': 'relevance',
              'gen_ai.evaluation.score.value': 0.9,
            }),
          },
        ],
      }),
    ]);
    expect(result.events.map((e) => e.event_type)).toEqual(['llm_call', 'evaluation']);
    expect(result.events[1]).toMatchObject({
      span_id: 'b7ad6b7169203331',
      scores: { relevance: 0.9 },
      provider: 'openai',
      model: 'gpt-4o',
      operation: 'chat',
      application: 'support-bot',
    });
  });

  it('a log record joins its call by span id and takes the call series', () => {
    const recent = new RecentCalls(10);
    mapSpans(
      [
        span({
          attributes: attrs({
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.conversation.id': 'c1',
          }),
        }),
      ],
      recent,
    );
    const result = mapLogsRequest(
      { resourceLogs: [{ resource: attrs({ 'service.name': 'evaluator' }), records: [evaluationRecord()] }] },
      options,
      recent,
    );
    expect(result.refused).toEqual([]);
    expect(result.events[0]).toMatchObject({
      event_type: 'evaluation',
      tenant_id: 'acme',
      application: 'support-bot',
      environment: 'staging',
      provider: 'openai',
      model: 'gpt-4o',
      operation: 'chat',
      span_id: 'b7ad6b7169203331',
      trace_id: TRACE,
      session_id: 'c1',
      scores: { faithfulness: 0.75 },
      timestamp: Number((END_NS + 5_000_000_000n) / 1_000_000n),
    });
  });

  it('the event name may come from the event.name attribute (older SDKs)', () => {
    const recent = new RecentCalls(10);
    mapSpans([span()], recent);
    const record = evaluationRecord({
      eventName: '',
      attributes: attrs({
        'event.name': 'gen_ai.evaluation.result',
        'gen_ai.evaluation.name': 'f',
        'gen_ai.evaluation.score.value': 1,
      }),
    });
    const result = mapLogsRequest({ resourceLogs: [{ resource, records: [record] }] }, options, recent);
    expect(result.events).toHaveLength(1);
  });

  it('an unjoined evaluation uses its own gen_ai attributes, or is refused', () => {
    const own = evaluationRecord({
      spanId: '5555555555555555',
      attributes: attrs({
        'gen_ai.evaluation.name': 'f',
        'gen_ai.evaluation.score.value': 0.5,
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude',
      }),
    });
    const bare = evaluationRecord({ spanId: '6666666666666666' });
    const result = mapLogsRequest(
      { resourceLogs: [{ resource, records: [own, bare] }] },
      options,
      new RecentCalls(10),
    );
    expect(result.events[0]).toMatchObject({
      provider: 'anthropic',
      model: 'claude',
      application: 'support-bot',
    });
    expect(result.refused).toEqual([
      expect.objectContaining({ reason: 'unknown_call', spanId: '6666666666666666' }),
    ]);
  });

  it('a score outside [0, 1] or a missing name is refused; other log records are ignored', () => {
    const recent = new RecentCalls(10);
    mapSpans([span()], recent);
    const high = evaluationRecord({
      attributes: attrs({ 'gen_ai.evaluation.name': 'f', 'gen_ai.evaluation.score.value': 4 }),
    });
    const nameless = evaluationRecord({ attributes: attrs({ 'gen_ai.evaluation.score.value': 0.5 }) });
    const other = evaluationRecord({ eventName: 'app.log' });
    const content = evaluationRecord({ eventName: 'gen_ai.user.message' });
    const result = mapLogsRequest(
      { resourceLogs: [{ resource, records: [high, nameless, other, content] }] },
      options,
      recent,
    );
    expect(result.events).toEqual([]);
    expect(result.refused.map((r) => r.field)).toEqual(['scores.f', 'scores']);
    expect(result.ignored).toBe(1);
    expect(result.droppedContent).toBe(1);
  });
});

describe('RecentCalls', () => {
  it('forgets the oldest beyond its capacity', () => {
    const recent = new RecentCalls(2);
    const identity = {
      application: 'a',
      environment: null,
      provider: 'p',
      model: 'm',
      operation: 'chat',
      trace_id: null,
      session_id: null,
      agent_name: null,
      prompt_name: null,
    };
    recent.remember('t', 'a', identity);
    recent.remember('t', 'b', identity);
    recent.remember('t', 'c', identity);
    expect(recent.size).toBe(2);
    expect(recent.find('t', 'a')).toBeUndefined();
    expect(recent.find('t', 'c')).toBe(identity);
    expect(recent.find('other', 'c')).toBeUndefined();
  });
});
