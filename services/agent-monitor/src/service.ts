import { AgentMonitor, encodeTraceSummary, type MonitorOutput } from '@aiops/agents';
import { type RunningService, startEventMonitorService } from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import type { AgentMonitorConfig } from './config.js';

/**
 * The agent monitor: validated events → AgentMonitor (packages/agents) → agent_* alerts and per-trace
 * summaries, its state changelogged per trace and agent. The Kafka shell is @aiops/kafka's
 * startEventMonitorService (exactly-once; one instance per group).
 */
export function startAgentMonitor(
  config: AgentMonitorConfig,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService> {
  return startEventMonitorService(
    {
      service: 'agent-monitor',
      config,
      monitor: new AgentMonitor(config.monitor),
      stateTopic: config.topics.agentMonitorState,
      records: {
        topic: config.topics.traces,
        messages: ({ summaries }: MonitorOutput) =>
          summaries.map((s) => ({ key: `${s.tenant_id}/${s.trace_key}`, value: encodeTraceSummary(s) })),
      },
      held: (stats) => stats.openTraces,
    },
    logger,
    metrics,
  );
}
