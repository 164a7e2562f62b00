#!/usr/bin/env bash
# `npm run demo`: install if needed, build, bring the local stack up, create the ClickHouse schema, then
# `aiops demo`: the five services in one process on their own topics and database, fed a seeded simulation
# (4 h of event time ending now, five labelled incidents plus two agent incidents: a tool loop and an unseen tool, flagged per trace by the agent monitor) in about 90 s; the notifier groups the alerts into
# incidents and tells a webhook the demo serves, which prints one line per incident as it opens and resolves
# (raw alerts: `aiops alerts tail`); at the end, alerts in vs incidents out, the incident table and each
# labelled incident's detection and resolution times. Exits 0 after the bounded run
# (1 if the pipeline itself is broken). Arguments go to `aiops demo`, e.g.
#
#   npm run demo -- --keep-running       stay up on live traffic until Ctrl-C
#   npm run demo -- --duration 3h --seed 7
#
# KAFKA_BROKERS and CLICKHOUSE_URL point it at another stack (none is started then).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap print_timings EXIT

phase install ensure_dependencies
phase build node_modules/.bin/tsc -b
# The dashboard's front end is bundled (esbuild) by its package's build, which tsc -b alone does not run.
phase bundle npm run --silent build -w @aiops/ui
if external_endpoints; then
  echo "==> using KAFKA_BROKERS=${KAFKA_BROKERS} CLICKHOUSE_URL=${CLICKHOUSE_URL}"
else
  phase stack-up aiops stack up
fi
eval "$(aiops stack env)"
phase migrate aiops migrate
phase demo aiops demo "$@"

echo
echo "the stack keeps running: Kafka at ${KAFKA_BROKERS}, ClickHouse at ${CLICKHOUSE_URL}"
echo "  stop it: node packages/cli/dist/main.js stack down"
