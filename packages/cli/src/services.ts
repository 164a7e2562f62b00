import type { RunningService } from '@aiops/kafka';
import type { Logger, PipelineMetrics } from '@aiops/ops';
import { agentMonitorConfigFromEnv, startAgentMonitor } from '@aiops/service-agent-monitor';
import { aggregatorConfigFromEnv, startAggregator } from '@aiops/service-aggregator';
import { detectorConfigFromEnv, startDetector } from '@aiops/service-detector';
import { notifierConfigFromEnv, startNotifier } from '@aiops/service-notifier';
import { otlpReceiverConfigFromEnv, startOtlpReceiver } from '@aiops/service-otlp-receiver';
import { promptMonitorConfigFromEnv, startPromptMonitor } from '@aiops/service-prompt-monitor';
import { reviewerConfigFromEnv, startReviewer } from '@aiops/service-reviewer';
import { startValidator, validatorConfigFromEnv } from '@aiops/service-validator';
import { startWriter, writerConfigFromEnv } from '@aiops/service-writer';

interface ServiceDefinition<C> {
  configFromEnv(env: NodeJS.ProcessEnv): C;
  start(config: C, logger: Logger, metrics: PipelineMetrics): Promise<RunningService>;
}

function define<C>(definition: ServiceDefinition<C>): ServiceDefinition<unknown> {
  return definition as ServiceDefinition<unknown>;
}

/** Every service `aiops run` knows, in pipeline order (downstream first would only add lag at start). */
export const SERVICES = {
  'otlp-receiver': define({ configFromEnv: otlpReceiverConfigFromEnv, start: startOtlpReceiver }),
  validator: define({ configFromEnv: validatorConfigFromEnv, start: startValidator }),
  aggregator: define({ configFromEnv: aggregatorConfigFromEnv, start: startAggregator }),
  detector: define({ configFromEnv: detectorConfigFromEnv, start: startDetector }),
  'agent-monitor': define({ configFromEnv: agentMonitorConfigFromEnv, start: startAgentMonitor }),
  'prompt-monitor': define({ configFromEnv: promptMonitorConfigFromEnv, start: startPromptMonitor }),
  writer: define({ configFromEnv: writerConfigFromEnv, start: startWriter }),
  notifier: define({ configFromEnv: notifierConfigFromEnv, start: startNotifier }),
  reviewer: define({ configFromEnv: reviewerConfigFromEnv, start: startReviewer }),
} as const;

export type ServiceName = keyof typeof SERVICES;
