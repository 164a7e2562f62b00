export type { PromptMonitorConfig } from './config.js';
export { promptMonitorConfigFromEnv, promptMonitorConfigSchema } from './config.js';
export { startPromptMonitor } from './service.js';
