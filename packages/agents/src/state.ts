import type { TrackedAlert } from '@aiops/alerts';
import type { LevelState, RateState } from '@aiops/detectors';

/** Calls of one tool in one trace. */
export interface ToolCalls {
  calls: number;
  errors: number;
  /** The smallest call times (event time), ascending, at most the loop threshold N: the N-th is when N was reached. */
  times: number[];
}

/**
 * One open (or closed, kept for lateness) trace: plain JSON, one changelog record per trace.
 * Everything in it is a function of the set of its events, not of their arrival order.
 */
export interface TraceState {
  v: 1;
  tenant_id: string;
  application: string;
  environment: string;
  trace_key: string;
  key_kind: 'trace' | 'session';
  session_id: string | null;
  agent: string | null;
  /** Earliest operation start (timestamp − duration) and latest operation end. */
  started_at: number;
  ended_at: number;
  /** started_at when its first summary went out (null before): fixed, the key of its `traces` row. */
  opened_at: number | null;
  /** Highest event time: the gap that closes the trace runs from it. */
  last_event_ms: number;
  steps: number;
  tool_calls: number;
  errors: number;
  tool_errors: number;
  cost_usd: number;
  tools: Record<string, ToolCalls>;
  /** `tool \u001f arguments hash` → the smallest call times, at most M. */
  args: Record<string, number[]>;
  loop: { tool: string; hash: string | null; at: number; calls: number } | null;
  runaway: boolean;
  closed: boolean;
  /** Revision of the next summary (0 until the first is out). */
  revision: number;
  /** Ids of the trace's events, to drop a duplicate (the events topic is at least once). */
  event_ids: string[];
  /** Late events arrived since the last summary of a closed trace. */
  pending_late: boolean;
  alerts: TrackedAlert[];
}

/** What an agent's tool looks like in its learned history. */
export interface KnownTool {
  /** Traces of the agent that called it. */
  traces: number;
  /** Part of the history (seen during warm-up, or in learnAfterTraces traces since). */
  learned: boolean;
  /** Day (event time, UTC, days since the epoch) it was last reported as unseen. */
  alerted_day: number | null;
}

/** The error ratio of one tool of an agent, per event-time bucket. */
export interface ToolErrorState {
  rate: RateState;
  /** Open buckets: start → [calls, errors]. */
  buckets: Record<string, [number, number]>;
  /** End of the latest judged bucket: calls before it are late. */
  judged_until: number;
}

/** One agent (tenant, application, environment, agent name): its learned baselines. */
export interface AgentState {
  v: 1;
  tenant_id: string;
  application: string;
  environment: string;
  agent: string;
  first_ms: number;
  traces: number;
  tools: Record<string, KnownTool>;
  /** log(1 + value) level baselines of steps, tool calls, duration and cost per trace. */
  baselines: Record<RunawayMetric, LevelState>;
  tool_errors: Record<string, ToolErrorState>;
  alerts: TrackedAlert[];
}

export const RUNAWAY_METRICS = ['steps', 'tool_calls', 'duration_ms', 'cost_usd'] as const;
export type RunawayMetric = (typeof RUNAWAY_METRICS)[number];
