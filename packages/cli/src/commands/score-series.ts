import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import type { SeriesScorerOptions } from '@aiops/detectors';
import { createSeriesCsvScorer, createSeriesScorer, SCORED_HEADER, SeriesCsvError } from '@aiops/detectors';
import type { Command } from 'commander';
import { type CliCommand, type CliContext, CliError, EXIT, processContext } from '../command.js';

interface ScoreSeriesFlags {
  out?: string;
  options?: string;
}

/**
 * `aiops score-series <in.csv> [--out scores.csv]`: streams a `timestamp,value` CSV through the same
 * streaming scorer the detectors use (createSeriesScorer: causal, a row's score uses only earlier rows)
 * and writes `timestamp,value,anomaly_score`, one line per input row, to --out or stdout.
 * Rows are scored in arrival order, as NAB does: real series have clock steps back (DST, NTP, merged
 * sources; NAB's machine_temperature_system_failure.csv has one), so a step back is counted and reported
 * once at the end, not refused.
 */
export const scoreSeriesCommand: CliCommand = {
  name: 'score-series',
  register(program, context) {
    registerScoreSeries(program, context);
  },
};

export function registerScoreSeries(program: Command, context: CliContext = processContext): void {
  program
    .command('score-series')
    .description(
      'score a timestamp,value CSV with the streaming anomaly scorer; writes timestamp,value,anomaly_score',
    )
    .argument('<in.csv>', 'input CSV with a timestamp,value header (or none)')
    .option('-o, --out <file>', 'output CSV (default: stdout)')
    .option('--options <json>', 'scorer options as JSON, e.g. {"suppressPoints":30}')
    .action(async (input: string, flags: ScoreSeriesFlags) => {
      const rows = await scoreSeries(input, flags, context);
      if (rows.stepsBack > 0) {
        context.err(
          `aiops: warning: ${input}: ${rows.stepsBack} row(s) earlier than the row before them (first at line ${rows.firstStepBackLine}); scored in arrival order`,
        );
      }
      if (flags.out) context.err(`scored ${rows.rows} rows → ${flags.out}`);
    });
}

interface ScoreSeriesResult {
  readonly rows: number;
  /** Rows whose timestamp is earlier than the previous row's. */
  readonly stepsBack: number;
  readonly firstStepBackLine: number | null;
}

async function scoreSeries(
  input: string,
  flags: ScoreSeriesFlags,
  context: CliContext,
): Promise<ScoreSeriesResult> {
  let options: Partial<SeriesScorerOptions> = {};
  if (flags.options) {
    try {
      options = JSON.parse(flags.options) as Partial<SeriesScorerOptions>;
    } catch (error) {
      throw new CliError(`--options is not JSON: ${(error as Error).message}`, EXIT.usage);
    }
  }
  const scorer = createSeriesScorer(options);
  // Chunks of 1 MiB: the CSV is parsed, scored and formatted a chunk at a time (one write per chunk).
  const source = createReadStream(input, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const opened = once(source, 'open').catch((error: Error) => {
    throw new CliError(`cannot read ${input}: ${error.message}`, EXIT.usage);
  });
  await opened;
  const sink = flags.out ? createWriteStream(flags.out, { encoding: 'utf8' }) : null;
  // text: whole lines, each ending in \n.
  const write = async (text: string): Promise<void> => {
    if (text === '') return;
    if (sink === null) context.out(text.slice(0, -1));
    else if (!sink.write(text)) await once(sink, 'drain');
  };
  await write(`${SCORED_HEADER}\n`);
  const csv = createSeriesCsvScorer((t, x) => scorer.score(t, x));
  try {
    try {
      for await (const chunk of source) await write(csv.push(chunk as string));
      await write(csv.end());
    } catch (error) {
      if (!(error instanceof SeriesCsvError)) throw error;
      await write(error.output);
      throw new CliError(`${input}:${error.lineNumber}: ${error.message}`);
    }
  } finally {
    if (sink !== null) {
      sink.end();
      await once(sink, 'finish');
    }
  }
  return { rows: csv.rows, stepsBack: csv.stepsBack, firstStepBackLine: csv.firstStepBackLine };
}
