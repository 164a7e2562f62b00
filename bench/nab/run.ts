/**
 * NAB benchmark: streams every file of the corpus through createSeriesScorer (one parameter set for the
 * whole corpus), scores with our NAB scorer (corpus-wide threshold sweep, as NAB does) and prints the three
 * profiles beside the published scoreboard, then the same profiles in a 2-fold split: the threshold is chosen
 * on one half of the files (alternate files in name order) and applied to the other half, both ways; each
 * file is scored once, out of fold, and the corpus is normalised as a whole. The gap between the two says
 * how much of the full-corpus score is the threshold fitted to the files it is scored on.
 *
 *   node bench/dist/nab/run.js [--options '{"suppressPoints":30}'] [--per-file] [--json out.json]
 *   NAB_DIR=/path/to/nab overrides ../shared/nab.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NabFileInput, NabProfileName, NabProfileResult, SeriesScorerOptions } from '@aiops/detectors';
import {
  createSeriesScorer,
  NAB_PROFILE_NAMES,
  NAB_PROFILES,
  nabFileScore,
  nabSweep,
} from '@aiops/detectors';
import { TWO_FOLD_CANDIDATES } from './candidates.js';
import type { CorpusFile } from './corpus.js';
import { loadCorpus, nabDir } from './corpus.js';

interface Args {
  options: Partial<SeriesScorerOptions>;
  perFile: boolean;
  json: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { options: {}, perFile: false, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--options') args.options = JSON.parse(argv[++i] ?? '{}') as Partial<SeriesScorerOptions>;
    else if (a === '--per-file') args.perFile = true;
    else if (a === '--json') args.json = argv[++i] ?? null;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

export function scoreCorpus(
  files: readonly CorpusFile[],
  options: Partial<SeriesScorerOptions>,
): NabFileInput[] {
  return files.map((f) => {
    const scorer = createSeriesScorer(options);
    const scores = new Float64Array(f.values.length);
    for (let i = 0; i < scores.length; i++) scores[i] = scorer.score(f.timestamps[i]!, f.values[i]!);
    return { name: f.name, scores, windows: f.windows };
  });
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const dir = nabDir();
  const files = loadCorpus(dir);
  const points = files.reduce((n, f) => n + f.values.length, 0);
  const windows = files.reduce((n, f) => n + f.windows.length, 0);

  scoreCorpus(files.slice(0, 3), args.options); // warm the JIT before timing
  const t0 = performance.now();
  const scored = scoreCorpus(files, args.options);
  const t1 = performance.now();
  const results: NabProfileResult[] = NAB_PROFILE_NAMES.map((p) => nabSweep(scored, p));
  const t2 = performance.now();

  const board = JSON.parse(readFileSync(join(dir, 'scoreboard.json'), 'utf8')) as Record<
    string,
    Record<string, number>
  >;
  const ours = Object.fromEntries(results.map((r) => [r.profile, r.normalized]));
  const rows = [['aiops (this run)', ours] as const, ...Object.entries(board)].sort(
    (a, b) => (b[1].standard ?? 0) - (a[1].standard ?? 0),
  );
  console.log(`NAB corpus: ${dir} — ${files.length} files, ${points} points, ${windows} windows`);
  console.log(`options: ${JSON.stringify(args.options)}`);
  console.log('');
  console.log(`${'detector'.padEnd(22)}${NAB_PROFILE_NAMES.map((p) => p.padStart(20)).join('')}`);
  for (const [name, s] of rows) {
    const mark = name === 'aiops (this run)' ? '  <==' : '';
    console.log(
      `${name.padEnd(22)}${NAB_PROFILE_NAMES.map((p) => (s[p] ?? Number.NaN).toFixed(2).padStart(20)).join('')}${mark}`,
    );
  }
  console.log('');
  for (const r of results) {
    const tp = r.files.reduce((n, f) => n + f.truePositives, 0);
    const fp = r.files.reduce((n, f) => n + f.falsePositives, 0);
    console.log(
      `${r.profile.padEnd(20)} threshold ${r.threshold.toPrecision(6)}  raw ${r.rawScore.toFixed(3)}  ` +
        `windows detected ${tp}/${windows}  false positives ${fp}`,
    );
  }
  const detectRate = (points / (t1 - t0)) * 1000;
  const sweepRate = ((points * NAB_PROFILE_NAMES.length) / (t2 - t1)) * 1000;
  console.log('');
  console.log(
    `series scorer: ${Math.round(detectRate).toLocaleString('en-US')} points/s (${(t1 - t0).toFixed(0)} ms)`,
  );
  console.log(
    `NAB scorer:    ${Math.round(sweepRate).toLocaleString('en-US')} points/s per profile (${(t2 - t1).toFixed(0)} ms for 3 sweeps)`,
  );
  // 2-fold: the run's options plus the candidates below, chosen with the threshold on the other half.
  const candidates = [args.options, ...TWO_FOLD_CANDIDATES.map((c) => ({ ...args.options, ...c }))];
  const folds = twoFold(candidates.map((c, i) => (i === 0 ? scored : scoreCorpus(files, c))));
  console.log('');
  console.log(
    '2-fold (options and threshold chosen on one half of the files, scored on the other, both ways):',
  );
  console.log(
    `${'profile'.padEnd(22)}${'full corpus'.padStart(14)}${'2-fold'.padStart(10)}   chosen on half A → B, half B → A`,
  );
  for (const r of results) {
    const f = folds.get(r.profile)!;
    const chosen = (h: 0 | 1) => `#${f.candidates[h]} at ${f.thresholds[h].toPrecision(4)}`;
    console.log(
      `${r.profile.padEnd(22)}${r.normalized.toFixed(2).padStart(14)}${f.normalized.toFixed(2).padStart(10)}   ${chosen(0)}, ${chosen(1)}`,
    );
  }
  console.log(
    `candidates: #0 the run's options; ${TWO_FOLD_CANDIDATES.map((c, i) => `#${i + 1} ${JSON.stringify(c)}`).join('; ')}`,
  );
  if (args.perFile) {
    const std = results[0]!;
    console.log('');
    for (const f of std.files) {
      console.log(
        `${f.name.padEnd(62)}${f.score.toFixed(3).padStart(8)}  tp ${f.truePositives} fn ${f.falseNegatives} fp ${f.falsePositives}`,
      );
    }
  }
  if (args.json) {
    writeFileSync(
      args.json,
      JSON.stringify(
        {
          options: args.options,
          points,
          seriesScorerPointsPerSecond: detectRate,
          nabScorerPointsPerSecond: sweepRate,
          results: results.map(({ files: _f, ...r }) => r),
          twoFold: Object.fromEntries(folds),
        },
        null,
        2,
      ),
    );
  }
}

/**
 * The 2-fold split: for each half of the files (alternate files in name order), the candidate option set
 * and the threshold that score best on it are applied to the other half; each file is scored once, out of
 * fold, and the corpus is normalised as a whole.
 */
export function twoFold(
  scoredByCandidate: readonly (readonly NabFileInput[])[],
): Map<NabProfileName, { normalized: number; thresholds: [number, number]; candidates: [number, number] }> {
  const half = (files: readonly NabFileInput[], h: number) => files.filter((_, i) => i % 2 === h);
  const first = scoredByCandidate[0]!;
  const windows = first.reduce((n, f) => n + f.windows.length, 0);
  const out = new Map<
    NabProfileName,
    { normalized: number; thresholds: [number, number]; candidates: [number, number] }
  >();
  for (const name of NAB_PROFILE_NAMES) {
    const profile = NAB_PROFILES[name];
    const thresholds: [number, number] = [0, 0];
    const candidates: [number, number] = [0, 0];
    for (const h of [0, 1] as const) {
      let best = Number.NEGATIVE_INFINITY;
      scoredByCandidate.forEach((files, c) => {
        const r = nabSweep(half(files, h), name);
        if (r.rawScore > best) {
          best = r.rawScore;
          thresholds[h] = r.threshold;
          candidates[h] = c;
        }
      });
    }
    let raw = 0;
    for (const [train, test] of [
      [0, 1],
      [1, 0],
    ] as const) {
      for (const f of half(scoredByCandidate[candidates[train]]!, test))
        raw += nabFileScore(f, profile, thresholds[train]).score;
    }
    const nullScore = -profile.fn * windows;
    const perfect = profile.tp * windows;
    out.set(name, { normalized: (100 * (raw - nullScore)) / (perfect - nullScore), thresholds, candidates });
  }
  return out;
}

main();
