export type { AgentMonitorOptions, AgentMonitorOptionsInput } from './config.js';
export { AGENT_DETECTORS, agentMonitorOptionsSchema, isAgentDetector } from './config.js';
export type { ChangelogEntry, MonitorCounters, MonitorOutput, MonitorStats } from './monitor.js';
export { AgentMonitor, agentStateKey, traceStateKey } from './monitor.js';
export type { AgentState, KnownTool, RunawayMetric, ToolCalls, ToolErrorState, TraceState } from './state.js';
export { RUNAWAY_METRICS } from './state.js';
export type { TraceSummary } from './summary.js';
export { decodeTraceSummary, encodeTraceSummary, traceSummarySchema, traceSummaryToRow } from './summary.js';
