import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliContext, EXIT } from '../src/command.js';
import { runCli } from '../src/program.js';

/**
 * `aiops score-series` on every file of the Numenta Anomaly Benchmark, the corpus its scorer is measured
 * on (bench/nab). The data is not in this repository: it is read from `$NAB_DIR` or `../shared/nab` next to
 * the repository root, where CI has it; without it these cases are skipped, saying so.
 */

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const nabDir = process.env.NAB_DIR ? resolve(process.env.NAB_DIR) : resolve(repoRoot, '../shared/nab');
const haveNab = existsSync(join(nabDir, 'data'));

const scratch = mkdtempSync(join(tmpdir(), 'aiops-score-series-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function scoreSeries(input: string) {
  const out = join(scratch, 'scores.csv');
  const err: string[] = [];
  const context: CliContext = { env: {}, out: () => undefined, err: (line) => err.push(line) };
  const code = await runCli(['node', 'aiops', 'score-series', input, '--out', out], context);
  return { code, err, rows: readFileSync(out, 'utf8').trimEnd().split('\n') };
}

/** Steps back in time, counted here with Date.parse, independently of the command's parser. */
function stepsBack(lines: readonly string[]): { count: number; firstLine: number | null } {
  let count = 0;
  let firstLine: number | null = null;
  let last = Number.NEGATIVE_INFINITY;
  lines.forEach((line, i) => {
    const time = Date.parse(`${line.split(',')[0]!.replace(' ', 'T')}Z`);
    if (Number.isNaN(time)) return; // the header
    if (time < last) {
      count++;
      firstLine ??= i + 1;
    }
    last = time;
  });
  return { count, firstLine };
}

describe('score-series', () => {
  it('scores a series whose clock steps back in arrival order and warns once with the count', async () => {
    const input = join(scratch, 'step-back.csv');
    const lines = ['timestamp,value'];
    for (let i = 0; i < 200; i++) {
      // An hour back at row 120, as on a DST change.
      const minute = i < 120 ? i * 5 : i * 5 - 60;
      lines.push(`${new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString()},${10 + (i % 7)}`);
    }
    writeFileSync(input, `${lines.join('\n')}\n`);
    const { code, err, rows } = await scoreSeries(input);
    expect(code).toBe(EXIT.ok);
    expect(rows).toHaveLength(lines.length);
    const warnings = err.filter((line) => line.includes('warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('1 row(s) earlier than the row before them (first at line 122)');
  });
});

describe.skipIf(!haveNab)(
  haveNab
    ? `score-series on every NAB file (${nabDir})`
    : `score-series on NAB: SKIPPED, no data at ${nabDir}`,
  () => {
    const files = haveNab
      ? readdirSync(join(nabDir, 'data'))
          .sort()
          .flatMap((category) =>
            readdirSync(join(nabDir, 'data', category))
              .filter((file) => file.endsWith('.csv'))
              .sort()
              .map((file) => `${category}/${file}`),
          )
      : [];

    it('finds the whole corpus', () => {
      expect(files).toHaveLength(58);
      expect(files).toContain('realKnownCause/machine_temperature_system_failure.csv');
    });

    it.each(files)('%s: one score in [0, 1] per row, in input order; step-backs warned', async (name) => {
      const input = join(nabDir, 'data', name);
      const lines = readFileSync(input, 'utf8').trimEnd().split(/\r?\n/);
      const { code, err, rows } = await scoreSeries(input);
      expect(code, err.join('\n')).toBe(EXIT.ok);
      expect(rows).toHaveLength(lines.length);
      expect(rows[0]).toBe('timestamp,value,anomaly_score');
      // One expect per file, not per row: ~365k rows in all.
      const wrong: string[] = [];
      for (let i = 1; i < rows.length; i++) {
        const fields = rows[i]!.split(',');
        const score = Number(fields[2]);
        if (`${fields[0]},${fields[1]}` !== lines[i] || !(score >= 0 && score <= 1))
          wrong.push(`${i + 1}: ${rows[i]}`);
      }
      expect(wrong.slice(0, 5)).toEqual([]);
      const expected = stepsBack(lines);
      const warnings = err.filter((line) => line.includes('warning'));
      if (expected.count === 0) expect(warnings).toEqual([]);
      else {
        expect(warnings).toEqual([
          expect.stringContaining(
            `${expected.count} row(s) earlier than the row before them (first at line ${expected.firstLine})`,
          ),
        ]);
      }
      if (name === 'realKnownCause/machine_temperature_system_failure.csv') {
        expect(expected).toEqual({ count: 1, firstLine: 10151 });
      }
    });
  },
);
