import { type RunningService, runUntilSignalled } from '@aiops/kafka';
import { createLogger, createPipelineMetrics, type Logger, type PipelineMetrics } from '@aiops/ops';
import { type CliCommand, CliError, EXIT, intOption } from '../command.js';
import { SERVICES, type ServiceName } from '../services.js';

interface RunFlags {
  opsPort?: number;
  noOps?: boolean;
  shutdownDeadline?: number;
}

/** Starts `names` in this process (config from the environment), one logger and one /metrics for all. */
export async function startServices(
  names: readonly ServiceName[],
  env: NodeJS.ProcessEnv,
  logger: Logger,
  metrics: PipelineMetrics,
): Promise<RunningService[]> {
  const started: RunningService[] = [];
  try {
    for (const name of names) {
      const definition = SERVICES[name];
      // Config is validated before anything connects, so a bad setting fails fast and readably.
      const config = definition.configFromEnv(env);
      started.push(await definition.start(config as never, logger, metrics));
    }
    return started;
  } catch (error) {
    await Promise.all(started.map((s) => s.stop(5000)));
    throw error;
  }
}

/**
 * `all` is every consumer, plus the services that need a file of their own where it is configured: the OTLP
 * receiver (OTLP_TOKENS_FILE: who may send) and the notifier (NOTIFIER_CONFIG_FILE: routes and receivers).
 * A pipeline fed only through Kafka runs without either; naming one explicitly without its file fails on
 * that key.
 */
const NEEDS_FILE: Partial<Record<ServiceName, string>> = {
  'otlp-receiver': 'OTLP_TOKENS_FILE',
  notifier: 'NOTIFIER_CONFIG_FILE',
};

export function parseServiceNames(
  requested: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ServiceName[] {
  const known = Object.keys(SERVICES) as ServiceName[];
  if (requested.length === 0) throw new CliError(`name a service (${known.join(', ')}) or all`, EXIT.usage);
  const all = known.filter((name) => {
    const key = NEEDS_FILE[name];
    return key === undefined || Boolean(env[key]);
  });
  const names = requested.includes('all') ? all : requested;
  for (const name of names) {
    if (!known.includes(name as ServiceName)) {
      throw new CliError(`unknown service ${name}; expected one of ${known.join(', ')} or all`, EXIT.usage);
    }
  }
  return [...new Set(names)] as ServiceName[];
}

export const runCommand: CliCommand = {
  name: 'run',
  register(program, context) {
    program
      .command('run')
      .description(
        'run pipeline services in this process until SIGTERM/SIGINT (all = every service; the notifier when NOTIFIER_CONFIG_FILE is set)',
      )
      .argument('<services...>', `${Object.keys(SERVICES).join(' | ')} | all`)
      .option(
        '--ops-port <port>',
        'port for /healthz, /readyz and /metrics (default $OPS_PORT or 9464)',
        intOption('--ops-port'),
      )
      .option('--no-ops', 'do not serve /healthz, /readyz, /metrics')
      .option(
        '--shutdown-deadline <ms>',
        'how long a graceful stop may take',
        intOption('--shutdown-deadline'),
      )
      .action(async (requested: string[], flags: RunFlags & { ops?: boolean }) => {
        const env = context.env as NodeJS.ProcessEnv;
        const names = parseServiceNames(requested, env);
        const logger = createLogger({ service: names.length === 1 ? names[0]! : 'aiops' });
        const metrics = createPipelineMetrics();
        const services = await startServices(names, env, logger, metrics);
        const opsPort = flags.ops === false ? null : (flags.opsPort ?? Number(env.OPS_PORT ?? 9464));
        const code = await runUntilSignalled({
          services,
          logger,
          metrics,
          opsPort,
          shutdownDeadlineMs: flags.shutdownDeadline ?? Number(env.SHUTDOWN_DEADLINE_MS ?? 30_000),
        });
        if (code !== 0) throw new CliError('a service failed; see the log above', code);
      });
  },
};
