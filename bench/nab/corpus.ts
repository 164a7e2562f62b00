/** Loads the NAB corpus (data/<category>/<file>.csv + labels/combined_windows.json) from disk. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NabWindow } from '@aiops/detectors';
import { nabWindowRows, parseSeriesLine } from '@aiops/detectors';

export interface CorpusFile {
  /** Relative path as in the labels, e.g. `realKnownCause/nyc_taxi.csv`. */
  readonly name: string;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly windows: readonly NabWindow[];
}

/** `$NAB_DIR`, else `../shared/nab` next to the repository root. */
export function nabDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.NAB_DIR) return resolve(env.NAB_DIR);
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  return resolve(repoRoot, '../shared/nab');
}

export function loadCorpus(dir = nabDir()): CorpusFile[] {
  const labels = JSON.parse(readFileSync(join(dir, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    [string, string][]
  >;
  const files: CorpusFile[] = [];
  for (const category of readdirSync(join(dir, 'data')).sort()) {
    for (const file of readdirSync(join(dir, 'data', category)).sort()) {
      if (!file.endsWith('.csv')) continue;
      const name = `${category}/${file}`;
      const { timestamps, values } = parseCsv(readFileSync(join(dir, 'data', category, file), 'utf8'), name);
      const windows = labels[name];
      if (windows === undefined) throw new Error(`${name} has no entry in combined_windows.json`);
      files.push({ name, timestamps, values, windows: nabWindowRows(timestamps, windows) });
    }
  }
  return files;
}

function parseCsv(text: string, name: string): { timestamps: Float64Array; values: Float64Array } {
  const timestamps: number[] = [];
  const values: number[] = [];
  text.split('\n').forEach((line, i) => {
    let row: ReturnType<typeof parseSeriesLine>;
    try {
      row = parseSeriesLine(line);
    } catch (error) {
      throw new Error(`${name}:${i + 1}: ${(error as Error).message}`);
    }
    if (row === null) return;
    timestamps.push(row.timestampMs);
    values.push(row.value);
  });
  return { timestamps: Float64Array.from(timestamps), values: Float64Array.from(values) };
}
