import { z } from 'zod';

/** Topic names of the pipeline; every one can be renamed, the defaults are the documented contract. */
export const pipelineTopicsSchema = z.strictObject({
  raw: z.string().min(1).default('aiops.telemetry.raw.v1'),
  events: z.string().min(1).default('aiops.telemetry.events.v1'),
  dlq: z.string().min(1).default('aiops.telemetry.dlq.v1'),
  windows: z.string().min(1).default('aiops.telemetry.windows.v1'),
  alerts: z.string().min(1).default('aiops.alerts.v1'),
  detectorState: z.string().min(1).default('aiops.detector.state.v1'),
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
  };
  for (const [key, value] of Object.entries(map)) if (value) out[key] = value;
  return out;
}
