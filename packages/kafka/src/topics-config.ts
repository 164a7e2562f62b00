import { z } from 'zod';

/** Topic names of the pipeline; every one can be renamed, the defaults are the documented contract. */
export const pipelineTopicsSchema = z.strictObject({
  raw: z.string().min(1).default('aiops.telemetry.raw.v1'),
  events: z.string().min(1).default('aiops.telemetry.events.v1'),
  dlq: z.string().min(1).default('aiops.telemetry.dlq.v1'),
  windows: z.string().min(1).default('aiops.telemetry.windows.v1'),
  alerts: z.string().min(1).default('aiops.alerts.v1'),
  detectorState: z.string().min(1).default('aiops.detector.state.v1'),
  /** Silences, compacted: key = silence id, value = the silence as JSON (its latest version wins). */
  silences: z.string().min(1).default('aiops.silences.v1'),
  /** Acknowledgements and assignments: key = incident id, value = the action as JSON. */
  incidentActions: z.string().min(1).default('aiops.incident.actions.v1'),
  /** Notifications no receiver took within the bounded delivery time, with the reason in headers. */
  deliveryDlq: z.string().min(1).default('aiops.notifications.dlq.v1'),
  /** Notifier checkpoints and notification log (compacted). */
  notifierState: z.string().min(1).default('aiops.notifier.state.v1'),
  /** Audit records (JSON) of services without a ClickHouse connection; the notifier stores them in audit_log. */
  audit: z.string().min(1).default('aiops.audit.v1'),
  /** Review items (JSON, key = trace id): low-scoring outputs, negative feedback, guardrail blocks. */
  review: z.string().min(1).default('aiops.review.v1'),
  /** Review resolutions, compacted: key = item id, value = the reviewed item as JSON. */
  reviewResolutions: z.string().min(1).default('aiops.review.resolutions.v1'),
  /** Per-trace agent summaries (JSON, key = tenant/trace); the writer stores them in `traces`. */
  traces: z.string().min(1).default('aiops.traces.v1'),
  /** Agent monitor changelog (compacted): one record per open trace, per agent baseline, and its clock. */
  agentMonitorState: z.string().min(1).default('aiops.agent-monitor.state.v1'),
  /** Per prompt version and window aggregates (JSON); the writer stores them in `prompt_version_aggregates`. */
  promptAggregates: z.string().min(1).default('aiops.prompt-versions.v1'),
  /** Prompt monitor changelog (compacted): one record per prompt and its clock. */
  promptMonitorState: z.string().min(1).default('aiops.prompt-monitor.state.v1'),
});
export type PipelineTopics = z.output<typeof pipelineTopicsSchema>;

export function topicsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  const map: Record<string, string | undefined> = {
    raw: env.TOPIC_RAW,
    events: env.TOPIC_EVENTS,
    dlq: env.TOPIC_DLQ,
    windows: env.TOPIC_WINDOWS,
    alerts: env.TOPIC_ALERTS,
    detectorState: env.TOPIC_DETECTOR_STATE,
    silences: env.TOPIC_SILENCES,
    incidentActions: env.TOPIC_INCIDENT_ACTIONS,
    deliveryDlq: env.TOPIC_DELIVERY_DLQ,
    notifierState: env.TOPIC_NOTIFIER_STATE,
    audit: env.TOPIC_AUDIT,
    review: env.TOPIC_REVIEW,
    reviewResolutions: env.TOPIC_REVIEW_RESOLUTIONS,
    traces: env.TOPIC_TRACES,
    agentMonitorState: env.TOPIC_AGENT_MONITOR_STATE,
    promptAggregates: env.TOPIC_PROMPT_AGGREGATES,
    promptMonitorState: env.TOPIC_PROMPT_MONITOR_STATE,
  };
  for (const [key, value] of Object.entries(map)) if (value) out[key] = value;
  return out;
}
