import { type RunningService, startEventMonitorService } from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import { encodePromptVersionAggregate, PromptMonitor, type PromptMonitorOutput } from '@aiops/prompts';
import type { PromptMonitorConfig } from './config.js';

/**
 * The prompt monitor: validated events → PromptMonitor (packages/prompts) → per-version aggregates and
 * prompt_regression / prompt_improvement alerts, its state changelogged per prompt. The Kafka shell is
 * @aiops/kafka's startEventMonitorService (exactly-once; one instance per group).
 */
export function startPromptMonitor(
  config: PromptMonitorConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  return startEventMonitorService(
    {
      service: 'prompt-monitor',
      config,
      monitor: new PromptMonitor(config.monitor),
      stateTopic: config.topics.promptMonitorState,
      records: {
        topic: config.topics.promptAggregates,
        messages: ({ aggregates }: PromptMonitorOutput) =>
          aggregates.map((a) => ({
            key: `${a.tenant_id}/${a.application}/${a.prompt_name}`,
            value: encodePromptVersionAggregate(a),
          })),
      },
      held: (stats) => stats.prompts,
    },
    logger,
    metrics,
  );
}
