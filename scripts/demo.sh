#!/usr/bin/env bash
# `npm run demo`: install if needed, build, bring the local stack up, create the ClickHouse schema, and
# print where everything runs. (First version: the pipeline services and the simulator come next.)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap print_timings EXIT

phase install ensure_dependencies
phase build node_modules/.bin/tsc -b
if external_endpoints; then
  echo "==> using KAFKA_BROKERS=${KAFKA_BROKERS} CLICKHOUSE_URL=${CLICKHOUSE_URL}"
else
  phase stack-up aiops stack up
fi
eval "$(aiops stack env)"
phase migrate aiops migrate

echo
echo "demo ready: Kafka at ${KAFKA_BROKERS}, ClickHouse at ${CLICKHOUSE_URL} (database ${CLICKHOUSE_DATABASE:-aiops})"
echo "  try: curl -s '${CLICKHOUSE_URL}/?user=analyst' --data 'SHOW TABLES FROM ${CLICKHOUSE_DATABASE:-aiops}'"
echo "  stop: node packages/cli/dist/main.js stack down"
