import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createSeriesScorer, formatScoredRow, parseSeriesLine, type SeriesRow } from '@aiops/detectors';
import { CLI_MAIN, REPO_ROOT } from '@aiops/harness';
import { say } from './common.js';

export interface ScoreSeriesResult {
  readonly dir: string;
  readonly files: number;
  readonly points: number;
  /** createSeriesScorer().score over every parsed row (a fresh scorer per file). */
  readonly scorerPointsPerSecond: number;
  /** What `aiops score-series` does per line: parse, score, format the output row (in this process). */
  readonly pipelinePointsPerSecond: number;
  /** The real CLI on the largest file, node start-up included. */
  readonly cli: { file: string; points: number; seconds: number; pointsPerSecond: number } | null;
}

/** The NAB data folder: `$NAB_DIR` (the NAB root or its data/ folder), else ../shared/nab/data. */
export function nabDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.NAB_DIR ? resolve(env.NAB_DIR) : resolve(REPO_ROOT, '..', 'shared', 'nab');
  return existsSync(join(dir, 'data')) ? join(dir, 'data') : dir;
}

function csvFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...csvFiles(path));
    else if (name.endsWith('.csv')) out.push(path);
  }
  return out;
}

const REPEATS = 3;

export function measureScoreSeries(): ScoreSeriesResult | null {
  const dir = nabDataDir();
  if (!existsSync(dir)) {
    say(`score-series: no NAB corpus at ${dir} (set NAB_DIR)`);
    return null;
  }
  const files = csvFiles(dir);
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  const parsed: SeriesRow[][] = texts.map((text) =>
    text.split('\n').flatMap((line) => {
      const row = parseSeriesLine(line);
      return row === null ? [] : [row];
    }),
  );
  const points = parsed.reduce((n, rows) => n + rows.length, 0);
  // Best of REPEATS, the first run warming the JIT like any long-running scorer.
  let scorerBest = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let r = 0; r < REPEATS; r++) {
    const started = performance.now();
    for (const rows of parsed) {
      const scorer = createSeriesScorer();
      for (const row of rows) sink += scorer.score(row.timestampMs, row.value);
    }
    scorerBest = Math.min(scorerBest, performance.now() - started);
  }
  let pipelineBest = Number.POSITIVE_INFINITY;
  for (let r = 0; r < REPEATS; r++) {
    const started = performance.now();
    for (const text of texts) {
      const scorer = createSeriesScorer();
      let out = 0;
      for (const line of text.split('\n')) {
        const row = parseSeriesLine(line);
        if (row === null) continue;
        out += formatScoredRow(row, scorer.score(row.timestampMs, row.value)).length;
      }
      sink += out;
    }
    pipelineBest = Math.min(pipelineBest, performance.now() - started);
  }
  let cli: ScoreSeriesResult['cli'] = null;
  const largest = files.reduce((a, b) => (statSync(a).size >= statSync(b).size ? a : b));
  const cliPoints = parsed[files.indexOf(largest)]!.length;
  const started = performance.now();
  const run = spawnSync(process.execPath, [CLI_MAIN, 'score-series', largest, '--out', '/dev/null'], {
    stdio: 'ignore',
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status === 0) {
    cli = {
      file: largest.slice(dir.length + 1),
      points: cliPoints,
      seconds,
      pointsPerSecond: cliPoints / seconds,
    };
  }
  if (!Number.isFinite(sink)) say('score-series: a score was not finite');
  const result: ScoreSeriesResult = {
    dir,
    files: files.length,
    points,
    scorerPointsPerSecond: points / (scorerBest / 1000),
    pipelinePointsPerSecond: points / (pipelineBest / 1000),
    cli,
  };
  say(
    `score-series: ${files.length} files, ${points.toLocaleString('en-US')} points: scorer ` +
      `${Math.round(result.scorerPointsPerSecond).toLocaleString('en-US')} points/s, parse+score+format ` +
      `${Math.round(result.pipelinePointsPerSecond).toLocaleString('en-US')} points/s`,
  );
  return result;
}
