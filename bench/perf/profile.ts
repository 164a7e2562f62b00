/**
 * Profiles one service over a pre-filled input topic: `node bench/dist/perf/profile.js <service> <input
 * topic> [seconds]`. Runs `aiops run <service>` under `node --cpu-prof` for `seconds` (default 30) on
 * fresh bench topics, stops it gracefully (the profile is written at exit) and prints the top functions
 * by self time. The .cpuprofile lands in bench/results/profiles/ (open it in Chrome DevTools).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { INPUT_TOPIC, REPO_ROOT } from '@aiops/harness';
import { endpoints, RESULTS_DIR } from './common.js';
import { benchPipeline, type StageName } from './stages.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

const [service, input, secondsText] = process.argv.slice(2);
if (!service || !input || !(service in INPUT_TOPIC)) {
  process.stderr.write('usage: profile.js <validator|aggregator|writer|detector> <input topic> [seconds]\n');
  process.exit(2);
}
const seconds = Number(secondsText ?? 30);
const dir = join(RESULTS_DIR, 'profiles');
mkdirSync(dir, { recursive: true });
const before = new Set(readdirSync(dir));
const name = service as StageName;
// The stage's input topic goes where that service reads it.
const pipeline = benchPipeline(endpoints(), 'prof', {
  topics: { [INPUT_TOPIC[name]]: input },
  processEnv: { WRITER_TABLES: 'events' },
});
const child = await pipeline.spawn(name, {
  restart: false,
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
});
await sleep(seconds * 1000);
// A graceful stop: node writes the profile as it exits.
await child.stop('SIGTERM', 60_000);
await pipeline.cleanup();
const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
const total = profile.nodes.reduce((n, node) => n + node.hitCount, 0);
const self = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.replace(/^file:\/\/.*node_modules\//, '').replace(`file://${REPO_ROOT}`, '')}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + node.hitCount);
}
process.stdout.write(`${join(dir, file)}: ${total} samples\n`);
for (const [key, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  process.stdout.write(`${((100 * hits) / total).toFixed(1).padStart(5)}%  ${key}\n`);
}
