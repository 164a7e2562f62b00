export type { AgentMonitorConfig } from './config.js';
export { agentMonitorConfigFromEnv, agentMonitorConfigSchema } from './config.js';
export { startAgentMonitor } from './service.js';
