#!/usr/bin/env node
import { processContext } from './command.js';

// A closed pipe (`aiops stack status | head -1`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// score-series alone loads only its own command (program-of.ts says why); its help and errors are the same.
if (process.argv[2] === 'score-series') {
  const { runCliOf } = await import('./program-of.js');
  const { scoreSeriesCommand } = await import('./commands/score-series.js');
  process.exitCode = await runCliOf([scoreSeriesCommand], process.argv, processContext);
} else {
  const { runCli } = await import('./program.js');
  process.exitCode = await runCli(process.argv);
}
