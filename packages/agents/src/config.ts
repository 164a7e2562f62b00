import { z } from 'zod';

const positiveMs = z.number().int().positive();
const count = z.number().int().positive();

/**
 * What the agent monitor is told. Every key has a default; unknown keys are refused, so a typo fails the
 * start naming the key (see services/agent-monitor).
 */
export const agentMonitorOptionsSchema = z.strictObject({
  /** Event-time gap without an agent_step or tool_call of a trace after which the trace is closed. */
  traceGapMs: positiveMs.default(60_000),
  /**
   * How long a closed trace is kept for late events (as the aggregator's allowed lateness): a late event
   * within it updates the trace and re-emits its summary with revision + 1; after it, the event is too late
   * (counted, and it starts no trace).
   */
  allowedLatenessMs: z.number().int().nonnegative().default(60_000),
  /** Bounded out-of-orderness of the watermark (as the aggregator's). */
  maxOutOfOrdernessMs: z.number().int().nonnegative().default(5_000),
  /** Wall time without records after which the watermark advances on its own (idle partitions). */
  idleTimeoutMs: positiveMs.default(30_000),
  loop: z
    .strictObject({
      /** The same tool called this many times in one trace is a loop (N). */
      sameToolCalls: count.default(8),
      /** The same (tool, arguments hash) called this many times in one trace is a loop (M). */
      sameArgumentsCalls: count.default(3),
    })
    .prefault({}),
  runaway: z
    .strictObject({
      /** Traces of an agent learned before its baseline judges (per agent). */
      warmupTraces: count.default(30),
      /** Robust z of log(1 + value) above the agent's learned level that counts as runaway. */
      z: z.number().positive().default(3.5),
      /** …and the value must also be at least this many times the agent's typical value. */
      minRatio: z.number().min(1).default(2.5),
      /** Half-life of the per-agent baseline, in traces. */
      halfLifeTraces: count.default(200),
    })
    .prefault({}),
  unseenTool: z
    .strictObject({
      /** Traces an agent must have completed before an unseen tool is reported… */
      warmupTraces: count.default(30),
      /** …and event time since the agent was first seen. */
      warmupMs: z.number().int().nonnegative().default(600_000),
      /** A tool seen in this many traces of the agent after warm-up becomes part of its history. */
      learnAfterTraces: count.default(20),
    })
    .prefault({}),
  toolErrors: z
    .strictObject({
      /** Event-time bucket of the error ratio per (agent, tool). */
      bucketMs: positiveMs.default(60_000),
      /** Binomial z (the rate detector's rateZ) against the learned ratio that counts as a spike. */
      z: z.number().positive().default(5),
      /** Fewest errors in a bucket for a spike. */
      minErrors: count.default(5),
      /** Buckets learned before judging. */
      warmupBuckets: count.default(10),
      halfLifeBuckets: count.default(60),
    })
    .prefault({}),
});

export type AgentMonitorOptions = z.output<typeof agentMonitorOptionsSchema>;
export type AgentMonitorOptionsInput = z.input<typeof agentMonitorOptionsSchema>;

/** Detector ids of the alerts the monitor publishes (Alert.detector is free-form). */
export const AGENT_DETECTORS = {
  toolLoop: 'agent_tool_loop',
  runaway: 'agent_runaway',
  unseenTool: 'agent_unseen_tool',
  toolErrors: 'agent_tool_errors',
} as const;

const AGENT_DETECTOR_IDS: ReadonlySet<string> = new Set(Object.values(AGENT_DETECTORS));

/** Whether an alert comes from the agent monitor (judged per trace, not per series window). */
export function isAgentDetector(detector: string): boolean {
  return AGENT_DETECTOR_IDS.has(detector);
}
