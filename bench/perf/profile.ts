/**
 * Profiles one service over a pre-filled input topic: `node bench/dist/perf/profile.js <service> <input
 * topic> [seconds]`. Runs `aiops run <service>` under `node --cpu-prof` for `seconds` (default 30) on
 * fresh bench topics, stops it gracefully (the profile is written at exit) and prints the top functions
 * by self time. The .cpuprofile lands in bench/results/profiles/ (open it in Chrome DevTools).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, endpoints, RESULTS_DIR, ROOT } from './common.js';
import { runNames, serviceEnv } from './stages.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

const [service, input, secondsText] = process.argv.slice(2);
if (!service || !input) {
  process.stderr.write('usage: profile.js <validator|aggregator|writer|detector> <input topic> [seconds]\n');
  process.exit(2);
}
const seconds = Number(secondsText ?? 30);
const dir = join(RESULTS_DIR, 'profiles');
mkdirSync(dir, { recursive: true });
const before = new Set(readdirSync(dir));
const prefix = `bench.run-prof${Date.now().toString(36)}`;
const names = runNames(prefix, input);
// The stage's input topic goes where that service reads it.
const topicVar = {
  validator: 'TOPIC_RAW',
  aggregator: 'TOPIC_EVENTS',
  writer: 'TOPIC_EVENTS',
  detector: 'TOPIC_WINDOWS',
}[service] as string;
const env = { ...serviceEnv(endpoints(), names, { WRITER_TABLES: 'events' }), [topicVar]: input };
const child = spawn(
  process.execPath,
  ['--cpu-prof', `--cpu-prof-dir=${dir}`, CLI, 'run', service, '--ops-port', '19699'],
  {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
await sleep(seconds * 1000);
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
const total = profile.nodes.reduce((n, node) => n + node.hitCount, 0);
const self = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.replace(/^file:\/\/.*node_modules\//, '').replace(`file://${ROOT}/`, '')}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + node.hitCount);
}
process.stdout.write(`${join(dir, file)}: ${total} samples\n`);
for (const [key, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  process.stdout.write(`${((100 * hits) / total).toFixed(1).padStart(5)}%  ${key}\n`);
}
