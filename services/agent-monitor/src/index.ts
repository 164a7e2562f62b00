export type { AgentMonitorConfig } from './config.js';
export { agentMonitorConfigFromEnv, agentMonitorConfigSchema } from './config.js';
export { startAgentMonitor } from './service.js';
export { changelogMessage, loadChangelog } from './state-store.js';
