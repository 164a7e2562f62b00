#!/usr/bin/env bash
# What `npm test` runs: install if needed, build, lint, bring the local stack up (unless KAFKA_BROKERS and
# CLICKHOUSE_URL are given), then the unit and the integration tests against the real broker and server,
# then the fault tests in their shortened variant (test/chaos/README.md; AIOPS_TEST_CHAOS=0 skips them).
#
#   scripts/test.sh              everything
#   scripts/test.sh unit         install, build, lint, unit tests (no stack)
#   scripts/test.sh integration  install, build, stack, integration tests
#   scripts/test.sh chaos        install, build, stack, the vitest project named "chaos" (full size)
#
# A stack this run started is stopped at the end, so nothing of ours keeps running (AIOPS_KEEP_STACK=1
# leaves it up for fast reruns; a stack that was already running is left as it was). Exits non-zero if
# any phase failed; every test phase runs even when an earlier one failed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

mode=${1:-all}
case "$mode" in
  all | unit | integration | chaos) ;;
  *)
    echo "usage: scripts/test.sh [all|unit|integration|chaos]" >&2
    exit 2
    ;;
esac

failed=()
stack_started_here=0
finish() {
  local status=$?
  print_timings
  if [ "$stack_started_here" = 1 ] && [ "${AIOPS_KEEP_STACK:-0}" != 1 ]; then
    echo "==> stack down (started by this run; AIOPS_KEEP_STACK=1 keeps it)"
    aiops stack down || true
  fi
  exit "$status"
}
trap finish EXIT

phase install ensure_dependencies || exit 1
phase build node_modules/.bin/tsc -b || exit 1
# The dashboard's front end is bundled (esbuild) by its package's build, which tsc -b alone does not run.
phase bundle npm run --silent build -w @aiops/ui || exit 1
# Tests, test support and bench/ are type-checked like src (tsconfig.tests.json; no output).
phase typecheck node_modules/.bin/tsc -p tsconfig.tests.json || failed+=(typecheck)

if [ "$mode" = all ] || [ "$mode" = unit ]; then
  phase lint node_modules/.bin/biome check . || failed+=(lint)
fi

if [ "$mode" != unit ]; then
  if external_endpoints; then
    echo "==> using KAFKA_BROKERS=${KAFKA_BROKERS} CLICKHOUSE_URL=${CLICKHOUSE_URL}"
  else
    aiops stack status >/dev/null 2>&1 || stack_started_here=1
    phase stack-up aiops stack up || exit 1
  fi
fi

# Each vitest run also writes a JSON report, summed up in one closing line below.
results=.aiops/test-results
rm -rf "$results" && mkdir -p "$results"
vitest_run() {
  local project=$1
  node_modules/.bin/vitest run --project "$project" --reporter=default --reporter=json \
    --outputFile.json="$results/$project.json"
}

if [ "$mode" = all ] || [ "$mode" = unit ]; then
  phase unit vitest_run unit || failed+=(unit)
fi
if [ "$mode" = all ] || [ "$mode" = integration ]; then
  phase integration vitest_run integration || failed+=(integration)
fi
if [ "$mode" = chaos ]; then
  phase chaos vitest_run chaos || failed+=(chaos)
fi
if [ "$mode" = all ] && [ "${AIOPS_TEST_CHAOS:-1}" != 0 ]; then
  # Every fault on a 30k-event stream: the time goes to the faults (session timeouts, outages), not the
  # events, so this proves the same as the 200k run in a fraction of the time. Set CHAOS_* to override.
  export CHAOS_EVENTS=${CHAOS_EVENTS:-30000}
  export CHAOS_CLICKHOUSE_OUTAGE_MS=${CHAOS_CLICKHOUSE_OUTAGE_MS:-30000}
  export CHAOS_DRAIN_TIMEOUT_MS=${CHAOS_DRAIN_TIMEOUT_MS:-300000}
  phase chaos vitest_run chaos || failed+=(chaos)
fi

# One plain closing line for every runner that reads it: "N passed, N failed[, N skipped]", after the
# failed tests by name with the first line of their failure (a CI log is often read from its tail).
node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const file of fs.readdirSync(process.argv[1]).filter((f) => f.endsWith(".json"))) {
    const report = JSON.parse(fs.readFileSync(`${process.argv[1]}/${file}`, "utf8"));
    passed += report.numPassedTests; failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
    for (const suite of report.testResults) {
      for (const test of suite.assertionResults.filter((t) => t.status === "failed")) {
        // The message, not its stack: a property test prints its seed and counterexample after the first line.
        const why = (test.failureMessages[0] ?? "")
          .split("\n")
          .filter((line) => line.trim() !== "" && !/^\s+at /.test(line))
          .slice(0, 12)
          .map((line) => `        ${line.slice(0, 300)}`)
          .join("\n");
        console.log(`failed: ${file.replace(/\.json$/, "")} ${suite.name.replace(process.cwd() + "/", "")} > ${test.fullName}\n${why}`);
      }
      if (suite.status === "failed" && suite.assertionResults.length === 0)
        console.log(`failed: ${file.replace(/\.json$/, "")} ${suite.name.replace(process.cwd() + "/", "")}: ${(suite.message ?? "").split("\n")[0]}`);
    }
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results" || true

if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all passed"
