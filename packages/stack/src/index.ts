export type { ChromiumReport } from './chromium.js';
export { ensureChromium } from './chromium.js';
export type { ProbeSasl, ProbeTls } from './kafka.js';
export { kafkaPaths, kafkaProbeSasl, kafkaProbeTls, kafkaReady } from './kafka.js';
export type {
  StackClickHouseTls,
  StackClickHouseUser,
  StackKafkaTls,
  StackOptions,
  StackOptionsInput,
  StackSaslUser,
} from './options.js';
export { findRepoRoot, parseSaslUsers, resolveStackOptions, stackOptionsSchema } from './options.js';
export { clickhousePing } from './probe.js';
export type {
  ClickHouseRenderInput,
  ClickHouseTlsRenderInput,
  KafkaRenderInput,
  KafkaSaslRenderInput,
  KafkaSslRenderInput,
  TemplateValues,
} from './render.js';
export {
  isClusterId,
  kafkaVersionFromJars,
  newClusterId,
  renderClickHouseConfig,
  renderClickHouseTlsConfig,
  renderClickHouseUsers,
  renderKafkaProperties,
  renderKafkaSaslOverlay,
  renderKafkaSslOverlay,
  renderTemplate,
  scramFormatArgs,
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
