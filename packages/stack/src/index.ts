export type { ChromiumReport } from './chromium.js';
export { ensureChromium } from './chromium.js';
export type { ClickHouseClusterStatus, ReplicaPaths, ReplicaView } from './clickhouse-cluster.js';
export {
  CLICKHOUSE_REPLICAS,
  clickhouseReplicaPaths,
  clickhouseReplicaPid,
  startClickHouseReplica,
  waitReplicaReady,
  zookeeperPid,
} from './clickhouse-cluster.js';
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
  ClickHouseReplicaNode,
  ClickHouseTlsRenderInput,
  KafkaClusterNode,
  KafkaRenderInput,
  KafkaSaslRenderInput,
  KafkaSslRenderInput,
  TemplateValues,
} from './render.js';
export {
  CLICKHOUSE_CLUSTER_NAME,
  clickhouseReplicaNodes,
  isClusterId,
  kafkaClusterNodes,
  kafkaVersionFromJars,
  newClusterId,
  renderClickHouseClusterConfig,
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
