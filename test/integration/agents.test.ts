import { AGENT_DETECTORS } from '@aiops/agents';
import { type Alert, alertCodec, eventCodec, seriesKey, type TelemetryEvent } from '@aiops/contract';
import { telemetryEvent } from '@aiops/testkit';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeUntil, produce, waitCaughtUp } from '../support/kafka.js';
import { TestPipeline, waitFor } from '../support/pipeline.js';

const GAP_MS = 10_000;
const LATENESS_MS = 10_000;
const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;

let ids = 0;
/** An event of the agent `coder` of acme/code-agent in `trace`: a tool call of `tool`, or (null) an agent step. */
function agentEvent(trace: string, tool: string | null, at: number): TelemetryEvent {
  return telemetryEvent({
    event_id: `agents-it-${ids++}`,
    event_type: tool === null ? 'agent_step' : 'tool_call',
    operation: tool === null ? 'invoke_agent' : 'execute_tool',
    application: 'code-agent',
    provider: 'anthropic',
    model: 'claude-sonnet-4',
    timestamp: at,
    trace_id: trace,
    agent_name: 'coder',
    tool_name: tool,
    duration_ms: tool === null ? 500 : 20,
  });
}
const toolCall = (trace: string, tool: string, at: number) => agentEvent(trace, tool, at);
const step = (trace: string, at: number) => agentEvent(trace, null, at);

/** As the validator writes them: Avro, keyed by series. */
const asMessages = (events: TelemetryEvent[]): Message[] =>
  events.map((e) => ({ key: seriesKey(e), value: eventCodec.encode(e, 'avro') }));

const decodeAlerts = (messages: Awaited<ReturnType<typeof consumeUntil>>): Alert[] =>
  messages.map((m) => alertCodec.decode(m.value!));

const loopsOf = (alerts: Alert[], trace: string, status: 'firing' | 'resolved') =>
  alerts.filter(
    (a) => a.detector === AGENT_DETECTORS.toolLoop && a.status === status && a.evidence.trace === trace,
  );

describe('agent monitor against the real broker and ClickHouse', () => {
  let pipeline: TestPipeline;
  let ch: ClickHouseClient;

  beforeAll(async () => {
    pipeline = new TestPipeline({
      partitions: 3,
      agentMonitor: {
        traceGapMs: GAP_MS,
        allowedLatenessMs: LATENESS_MS,
        maxOutOfOrdernessMs: 1000,
        unseenTool: { warmupTraces: 3, warmupMs: 0 },
      },
    });
    await pipeline.createTopics();
    await pipeline.startAll(['agent-monitor', 'writer']);
    ch = pipeline.clickhouse();
    await pipeline.waitReady();
  });
  afterAll(async () => {
    await pipeline?.stopAll();
    await ch?.close();
  });

  it('flags tool loops exactly once across a restart mid-trace, an unseen tool, and stores trace summaries', {
    timeout: 240_000,
  }, async () => {
    // Warm-up: three normal traces of the agent with its usual tools.
    const warmup: TelemetryEvent[] = [];
    for (let t = 0; t < 3; t++) {
      const at = T0 + t * 1000;
      warmup.push(toolCall(`warm-${t}`, 'read_file', at), toolCall(`warm-${t}`, 'search_code', at + 100));
      warmup.push(step(`warm-${t}`, at + 200));
    }
    const base = T0 + 30_000;
    // Trace A: 5 calls of read_file before the restart, 5 after (the loop's 8th call comes after it).
    // Trace B: 9 calls before the restart (its loop alert fires before it), 3 after.
    const before = [
      ...Array.from({ length: 5 }, (_, i) => toolCall('trace-a', 'read_file', base + i * 500)),
      ...Array.from({ length: 9 }, (_, i) => toolCall('trace-b', 'search_code', base + i * 500)),
      // Moves the watermark past B's 9th call (1 s out-of-orderness).
      toolCall('trace-c', 'read_file', base + 6_000),
    ];
    await produce(pipeline.topics.events, asMessages([...warmup, ...before]));
    const firstAlerts = decodeAlerts(
      await consumeUntil(
        pipeline.topics.alerts,
        (m) => loopsOf(decodeAlerts(m), 'trace-b', 'firing').length > 0,
        90_000,
      ),
    );
    expect(loopsOf(firstAlerts, 'trace-a', 'firing')).toEqual([]);
    await waitCaughtUp(pipeline.groups['agent-monitor'], pipeline.topics.events);

    await pipeline.stop('agent-monitor');
    await pipeline.start('agent-monitor');
    await pipeline.waitReady();

    const after = [
      ...Array.from({ length: 5 }, (_, i) => toolCall('trace-a', 'read_file', base + 7_000 + i * 500)),
      ...Array.from({ length: 3 }, (_, i) => toolCall('trace-b', 'search_code', base + 7_000 + i * 500)),
      // A tool the agent never called, after its warm-up.
      toolCall('trace-c', 'drop_database', base + 8_000),
      // Far ahead: closes and then expires every trace above.
      toolCall('flush', 'read_file', base + 60_000),
    ];
    await produce(pipeline.topics.events, asMessages(after));
    const alerts = decodeAlerts(
      await consumeUntil(
        pipeline.topics.alerts,
        (m) => {
          const a = decodeAlerts(m);
          return loopsOf(a, 'trace-a', 'resolved').length > 0 && loopsOf(a, 'trace-b', 'resolved').length > 0;
        },
        120_000,
      ),
    );
    // Exactly one firing and one resolved notification per loop, restart or not.
    for (const trace of ['trace-a', 'trace-b']) {
      const firing = loopsOf(alerts, trace, 'firing');
      expect(firing).toHaveLength(1);
      expect(loopsOf(alerts, trace, 'resolved').map((a) => a.alert_id)).toEqual([firing[0]!.alert_id]);
      expect(firing[0]!.summary).toContain('coder');
      expect(firing[0]!.summary).toContain(trace);
    }
    expect(loopsOf(alerts, 'trace-a', 'firing')[0]!.summary).toContain('read_file');
    // A's 8th call in event time is the 3rd one after the restart.
    expect(loopsOf(alerts, 'trace-a', 'firing')[0]!.window_end).toBe(base + 7_000 + 2 * 500);
    const unseen = alerts.filter((a) => a.detector === AGENT_DETECTORS.unseenTool && a.status === 'firing');
    expect(unseen.map((a) => [a.evidence.tool, a.evidence.trace])).toEqual([['drop_database', 'trace-c']]);

    // The writer stored one summary per trace (the latest revision under FINAL).
    let rows: Array<Record<string, unknown>> = [];
    await waitFor(
      async () => {
        const rs = await ch.query({
          query: `SELECT trace_key, agent_name, tool_calls, distinct_tools, loop_detected, loop_tool, revision
                  FROM ${pipeline.database}.traces FINAL WHERE trace_key IN ('trace-a', 'trace-b', 'trace-c', 'warm-0')
                  ORDER BY trace_key`,
          format: 'JSONEachRow',
        });
        rows = (await rs.json()) as Array<Record<string, unknown>>;
        return rows.length === 4;
      },
      60_000,
      'traces rows',
    );
    expect(rows).toEqual([
      {
        trace_key: 'trace-a',
        agent_name: 'coder',
        tool_calls: 10,
        distinct_tools: 1,
        loop_detected: 1,
        loop_tool: 'read_file',
        revision: 0,
      },
      {
        trace_key: 'trace-b',
        agent_name: 'coder',
        tool_calls: 12,
        distinct_tools: 1,
        loop_detected: 1,
        loop_tool: 'search_code',
        revision: 0,
      },
      {
        trace_key: 'trace-c',
        agent_name: 'coder',
        tool_calls: 2,
        distinct_tools: 2,
        loop_detected: 0,
        loop_tool: null,
        revision: 0,
      },
      {
        trace_key: 'warm-0',
        agent_name: 'coder',
        tool_calls: 2,
        distinct_tools: 2,
        loop_detected: 0,
        loop_tool: null,
        revision: 0,
      },
    ]);
  });
});
