/** Loads the NAB corpus (data/<category>/<file>.csv + labels/combined_windows.json) from disk. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NabWindow } from '@aiops/detectors';
import { nabWindowRows, parseNabTimestamp } from '@aiops/detectors';

export interface CorpusFile {
  /** Relative path as in the labels, e.g. `realKnownCause/nyc_taxi.csv`. */
  readonly name: string;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly windows: readonly NabWindow[];
}

/** `$NAB_DIR`, else `../shared/nab` next to the repository root. */
export function nabDir(): string {
  if (process.env.NAB_DIR) return resolve(process.env.NAB_DIR);
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
  const lines = text.split('\n');
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const comma = line.indexOf(',');
    const value = Number(line.slice(comma + 1));
    if (comma < 0 || !Number.isFinite(value)) throw new Error(`${name}:${i + 1}: bad row ${JSON.stringify(line)}`);
    timestamps.push(parseNabTimestamp(line.slice(0, comma)));
    values.push(value);
  }
  return { timestamps: Float64Array.from(timestamps), values: Float64Array.from(values) };
}
