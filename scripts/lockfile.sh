#!/usr/bin/env bash
# Regenerates package-lock.json so that it is complete for every platform: `npm ci` accepts it and
# `npm install` on a fresh clone changes nothing. Run it after adding or changing a dependency:
#
#   bash scripts/lockfile.sh      # then review `git diff package-lock.json` and commit it
#
# Why not plain `npm install`: over an existing node_modules, npm 11 records only the optional platform
# packages (biome, rollup, esbuild, chdb binaries) it sees installed, and a fresh clone's install then
# adds the others. So this installs into a scratch copy of the tree that has no node_modules.
# And chdb lists platform libraries that the registry does not serve (404): npm leaves them out of the
# lockfile, then `npm ci` refuses the lockfile as "Missing: @chdb/lib-darwin-arm64@ from lock file".
# They get an entry with the os/cpu their name states, so every platform but their own skips them.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
git ls-files -z --cached --others --exclude-standard | grep -z -E '(^|/)package(-lock)?\.json$' |
  xargs -0 -I{} cp --parents {} "$scratch"
(cd "$scratch" && npm install --ignore-scripts --no-audit --no-fund >/dev/null)
node - "$scratch/package-lock.json" <<'JS'
const fs = require('node:fs');
const path = process.argv[2];
const lock = JSON.parse(fs.readFileSync(path, 'utf8'));
const packages = lock.packages;
const missing = {};
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = location.startsWith('node_modules/') ? '' : `${location}/`;
    if (packages[`${base}node_modules/${name}`] || packages[`node_modules/${name}`]) continue;
    const platform = /-(darwin|linux|win32|freebsd|android)-(arm64|x64|ia32|arm)(?:-(gnu|musl))?$/.exec(name);
    if (!platform) throw new Error(`optional ${name}@${version} is missing from the lockfile and its name states no platform`);
    missing[`node_modules/${name}`] = {
      version,
      cpu: [platform[2]],
      dev: entry.dev,
      ...(platform[3] ? { libc: [platform[3] === 'gnu' ? 'glibc' : 'musl'] } : {}),
      optional: true,
      os: [platform[1]],
    };
    console.error(`lockfile: ${name}@${version} is not served by the registry; recorded for ${platform[1]}/${platform[2]} only`);
  }
}
const merged = Object.fromEntries(
  Object.entries({ ...packages, ...missing }).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))),
);
lock.packages = merged;
fs.writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
JS
cp "$scratch/package-lock.json" package-lock.json
echo "package-lock.json regenerated; check with a fresh clone: npm ci && npm install && git status"
