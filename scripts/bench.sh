#!/usr/bin/env bash
# What `npm run bench` runs.
#
#   scripts/bench.sh [perf-options]   the performance benchmark (bench/perf/run.ts): ceilings, each stage alone,
#                                     end to end, latency, state, score-series; appends bench/RESULTS.md and
#                                     writes bench/results/latest.json. Options: --events N, --regenerate,
#                                     --only ceilings,stages,e2e,latency,state,score, --no-results-md
#   scripts/bench.sh nab [options]    the NAB benchmark (bench/nab/run.ts)
#   scripts/bench.sh scenarios [...]  the incident scenarios benchmark (bench/scenarios/run.ts)
#   scripts/bench.sh ui [...]         the dashboard's endpoints on 7 days of demo data (bench/ui/run.ts)
#
# Uses the local stack (started if it is not running; never stopped here) unless KAFKA_BROKERS and
# CLICKHOUSE_URL are given. The packages must be built (`npm test` or `npx tsc -b` does it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

mode=perf
case "${1:-}" in
  nab | scenarios | perf | ui)
    mode=$1
    shift
    ;;
esac

# The local stack, started if it does not run, unless KAFKA_BROKERS and CLICKHOUSE_URL name others.
use_stack() {
  if ! external_endpoints; then
    aiops stack up
    export KAFKA_BROKERS=127.0.0.1:${AIOPS_KAFKA_PORT:-19092}
    export CLICKHOUSE_URL=http://127.0.0.1:${AIOPS_CLICKHOUSE_HTTP_PORT:-18123}
  fi
}

build_bench() {
  node_modules/.bin/tsc -b || return $?
  # bench/ is not among the root project's references: build it on its own.
  node_modules/.bin/tsc -b bench
}

case "$mode" in
  nab)
    build_bench
    exec node bench/dist/nab/run.js "$@"
    ;;
  scenarios)
    build_bench
    exec node bench/dist/scenarios/run.js "$@"
    ;;
  ui)
    build_bench
    use_stack
    exec node bench/dist/ui/run.js "$@"
    ;;
  perf)
    build_bench
    use_stack
    exec node bench/dist/perf/run.js "$@"
    ;;
esac
