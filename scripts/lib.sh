# Shared helpers for scripts/test.sh, scripts/demo.sh and .ci/run (sourced, not executed).

# Seconds since the epoch with millisecond precision, for phase timings.
now_s() { date +%s.%N; }

TIMINGS=()
# phase NAME COMMAND...: runs the command, records its duration, returns its status.
phase() {
  local name=$1
  shift
  local started status
  started=$(now_s)
  echo "==> ${name}"
  set +e
  "$@"
  status=$?
  set -e
  local elapsed
  elapsed=$(awk -v a="$started" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }')
  TIMINGS+=("$(printf '%-13s %7s s  %s' "$name" "$elapsed" "$([ "$status" -eq 0 ] && echo ok || echo "FAILED ($status)")")")
  return "$status"
}

print_timings() {
  echo "==> timings"
  local line
  for line in "${TIMINGS[@]}"; do echo "    $line"; done
}

# Installs dependencies when node_modules is missing or older than package-lock.json. A stamp (hash of
# the lockfile) avoids reinstalling when only the lockfile's mtime moved. Never installs over a tree that
# npm itself wrote after the lockfile last changed.
# `npm ci`: installs exactly the committed lockfile and never rewrites it, so the tree stays clean. The
# lockfile is complete for every platform (scripts/lockfile.sh regenerates it after a dependency change).
npm_install() {
  npm ci --no-audit --no-fund
}

ensure_dependencies() {
  local stamp=node_modules/.aiops-lock.sha256
  local lock_hash
  lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -d node_modules ]; then
    echo "node_modules is missing: npm ci (from package-lock.json)"
    npm_install || return $?
  elif [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
    echo "dependencies up to date (lockfile unchanged)"
  elif [ node_modules/.package-lock.json -nt package-lock.json ]; then
    echo "dependencies up to date (installed after the lockfile last changed)"
  else
    echo "package-lock.json changed since the last install: npm ci"
    npm_install || return $?
  fi
  echo "$lock_hash" >"$stamp"
}

# True when both endpoints are given, i.e. no local stack is needed.
external_endpoints() {
  [ -n "${KAFKA_BROKERS:-}" ] && [ -n "${CLICKHOUSE_URL:-}" ]
}

aiops() { node packages/cli/dist/main.js "$@"; }
