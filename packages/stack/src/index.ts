export type { ProbeSasl, ProbeTls } from './kafka.js';
export { kafkaPaths, kafkaProbeSasl, kafkaProbeTls, kafkaReady } from './kafka.js';
export type { KafkaClusterStatus, KafkaClusterView, KafkaNodePaths } from './kafka-cluster.js';
export {
  describeKafkaCluster,
  KAFKA_CLUSTER_SIZE,
  kafkaClusterEndpoint,
  kafkaClusterPaths,
  kafkaNodePid,
  startKafkaNode,
} from './kafka-cluster.js';
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
  KafkaClusterNode,
  KafkaRenderInput,
  KafkaSaslRenderInput,
  KafkaSslRenderInput,
  TemplateValues,
} from './render.js';
export {
  isClusterId,
  kafkaClusterNodes,
  kafkaVersionFromJars,
  newClusterId,
  renderClickHouseConfig,
  renderClickHouseTlsConfig,
  renderClickHouseUsers,
  renderKafkaClusterOverlay,
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
