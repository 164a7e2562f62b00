/**
 * score-series speed, A/B: this build's @aiops/detectors against another build of it (`--baseline <root>`, a
 * copy of the repository with its packages built, e.g. the commit before a change), on the NAB corpus, in
 * the same process, rounds alternating A and B so that a loaded machine slows both alike. Per build:
 *   scorer       createSeriesScorer().score over pre-parsed rows (a fresh scorer per file);
 *   end to end   the CSV text → parse → score → format → output text, as `aiops score-series` does
 *                (createSeriesCsvScorer where the build has it, else parseSeriesLine + formatScoredRow per line);
 *   cli          the real CLI (node start-up included) on the whole corpus concatenated into one CSV.
 * Times are CPU time (this process's, or the CLI process's from bash's `times`), not wall time: on a shared,
 * loaded machine wall time mostly measures the other processes. The CLI's includes node's start-up.
 * Then it checks that both builds give bit-identical scores on every file, with the defaults and with every
 * option set the NAB 2-fold split uses, and identical CLI output. Prints the load average at start and end.
 *
 *   npx tsc -b bench && node bench/dist/nab/speed.js [--baseline /path/to/other/root] [--rounds 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Detectors from '@aiops/detectors';
import { TWO_FOLD_CANDIDATES } from './candidates.js';
import { nabDir } from './corpus.js';

type Build = typeof Detectors;
interface Side {
  readonly name: string;
  readonly root: string;
  readonly detectors: Build;
  scorer: number[];
  endToEnd: number[];
  cli: number[];
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function parseArgs(argv: string[]): { baseline: string | null; rounds: number } {
  const args = { baseline: null as string | null, rounds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--baseline') args.baseline = resolve(argv[++i] ?? '');
    else if (a === '--rounds') args.rounds = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

async function loadBuild(name: string, root: string): Promise<Side> {
  const entry = join(root, 'packages', 'detectors', 'dist', 'index.js');
  const detectors = (await import(pathToFileURL(entry).href)) as Build;
  return { name, root, detectors, scorer: [], endToEnd: [], cli: [] };
}

interface Rows {
  readonly t: Float64Array;
  readonly x: Float64Array;
}

function scoreRows(d: Build, rows: readonly Rows[], options: Partial<Detectors.SeriesScorerOptions>) {
  return rows.map(({ t, x }) => {
    const scorer = d.createSeriesScorer(options);
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = scorer.score(t[i]!, x[i]!);
    return out;
  });
}

/** Parse → score → format of one CSV text, the build's way; the output text. */
function endToEnd(d: Build, text: string): string {
  const scorer = d.createSeriesScorer();
  if (typeof d.createSeriesCsvScorer === 'function') {
    const csv = d.createSeriesCsvScorer((t, x) => scorer.score(t, x));
    return csv.push(text) + csv.end();
  }
  let out = '';
  for (const line of text.split('\n')) {
    const row = d.parseSeriesLine(line);
    if (row !== null) out += `${d.formatScoredRow(row, scorer.score(row.timestampMs, row.value))}\n`;
  }
  return out;
}

/** CPU milliseconds (user + system) of this process so far. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The CLI's CPU milliseconds (user + system, from bash's `times`), node start-up included. */
function timeCli(side: Side, input: string, output: string): number {
  const cli = join(side.root, 'packages', 'cli', 'bin', 'aiops.js');
  const run = spawnSync(
    'bash',
    [
      '-c',
      `"$0" "$1" score-series "$2" --out "$3" 2>/dev/null || exit 1; times`,
      process.execPath,
      cli,
      input,
      output,
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`${side.name} CLI exited with ${run.status}`);
  // `times` prints the shell's and then its children's user and system time, e.g. "0m1.234s 0m0.101s".
  const children = run.stdout.trim().split('\n')[1] ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return (seconds[0]! + seconds[1]!) * 1000;
}

const rate = (points: number, ms: number) => Math.round((points / ms) * 1000);
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fmt = (n: number) => n.toLocaleString('en-US').padStart(11);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const load0 = loadavg();
  const sides = [await loadBuild('this build', ROOT)];
  if (args.baseline !== null) sides.push(await loadBuild('baseline', args.baseline));
  const ours = sides[0]!.detectors;

  const dataDir = join(nabDir(), 'data');
  const texts: string[] = [];
  for (const category of readdirSync(dataDir).sort())
    for (const file of readdirSync(join(dataDir, category)).sort())
      if (file.endsWith('.csv')) texts.push(readFileSync(join(dataDir, category, file), 'utf8'));
  const rows: Rows[] = texts.map((text) => {
    const parsed = text.split('\n').flatMap((line) => ours.parseSeriesLine(line) ?? []);
    return {
      t: Float64Array.from(parsed, (r) => r.timestampMs),
      x: Float64Array.from(parsed, (r) => r.value),
    };
  });
  const points = rows.reduce((n, r) => n + r.x.length, 0);
  // The whole corpus as one CSV, so that the CLI's start-up is a small part of its time.
  const scratch = mkdtempSync(join(tmpdir(), 'aiops-speed-'));
  const corpusCsv = join(scratch, 'corpus.csv');
  writeFileSync(
    corpusCsv,
    `timestamp,value\n${texts.map((t) => t.replace(/^timestamp,value\r?\n/, '').trimEnd()).join('\n')}\n`,
  );

  try {
    console.log(`NAB corpus: ${texts.length} files, ${points.toLocaleString('en-US')} points`);
    console.log(`load average at start: ${load0.map((l) => l.toFixed(2)).join(' ')}`);
    for (const side of sides) {
      scoreRows(side.detectors, rows, {}); // warm the JIT
      for (const text of texts) endToEnd(side.detectors, text);
    }
    for (let r = 0; r < args.rounds; r++) {
      // Alternate which build goes first, so that neither always runs on a warmer or quieter machine.
      for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
        let t0 = cpuMs();
        scoreRows(side.detectors, rows, {});
        side.scorer.push(cpuMs() - t0);
        t0 = cpuMs();
        for (const text of texts) endToEnd(side.detectors, text);
        side.endToEnd.push(cpuMs() - t0);
        side.cli.push(timeCli(side, corpusCsv, join(scratch, `${side.name}.csv`)));
      }
    }
    console.log('');
    console.log(
      `points per CPU-second (median of ${args.rounds})${'scorer'.padStart(12)}${'end to end'.padStart(12)}${'cli'.padStart(12)}`,
    );
    for (const side of sides) {
      const cell = (ms: number[]) => fmt(rate(points, median(ms)));
      console.log(`${side.name.padEnd(35)} ${cell(side.scorer)} ${cell(side.endToEnd)} ${cell(side.cli)}`);
    }
    if (sides.length === 2) {
      const [a, b] = sides as [Side, Side];
      const ratio = (x: number[], y: number[]) => `${(median(y) / median(x)).toFixed(2)}×`.padStart(11);
      console.log(
        `${'ratio this / baseline'.padEnd(35)} ${ratio(a.scorer, b.scorer)} ${ratio(a.endToEnd, b.endToEnd)} ${ratio(a.cli, b.cli)}`,
      );
      // Identical outputs: every score bit for bit, defaults and the 2-fold candidates; CLI output bytes.
      let differences = 0;
      for (const options of [{}, ...TWO_FOLD_CANDIDATES]) {
        const x = scoreRows(a.detectors, rows, options);
        const y = scoreRows(b.detectors, rows, options);
        x.forEach((s, f) => {
          if (Buffer.compare(Buffer.from(s.buffer), Buffer.from(y[f]!.buffer)) !== 0) {
            differences++;
            console.log(`DIFFERENT scores: file #${f} with ${JSON.stringify(options)}`);
          }
        });
      }
      const cliA = readFileSync(join(scratch, `${a.name}.csv`));
      const cliB = readFileSync(join(scratch, `${b.name}.csv`));
      if (!cliA.equals(cliB)) {
        differences++;
        console.log('DIFFERENT CLI output');
      }
      console.log(
        differences === 0
          ? `identical: every score (defaults + ${TWO_FOLD_CANDIDATES.length} 2-fold option sets) and the CLI output`
          : `${differences} DIFFERENCES`,
      );
      if (differences > 0) process.exitCode = 1;
    }
    console.log(
      `load average at end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
