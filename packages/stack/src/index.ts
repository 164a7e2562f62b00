export { kafkaReady } from './kafka.js';
export type { StackOptions, StackOptionsInput } from './options.js';
export { findRepoRoot, resolveStackOptions, stackOptionsSchema } from './options.js';
export { clickhousePing } from './probe.js';
export type { ClickHouseRenderInput, KafkaRenderInput, TemplateValues } from './render.js';
export {
  isClusterId,
  kafkaVersionFromJars,
  newClusterId,
  renderClickHouseConfig,
  renderKafkaProperties,
  renderTemplate,
  tailLines,
  xmlEscape,
} from './render.js';
export type {
  DownAction,
  ServiceDown,
  ServiceName,
  ServiceState,
  ServiceStatus,
  ServiceUp,
  UpAction,
} from './services.js';
export type { StackDownReport, StackStatus, StackUpReport } from './stack.js';
export { stackDown, stackEnv, stackStatus, stackUp } from './stack.js';
