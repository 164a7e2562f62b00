export type { CliCommand, CliContext } from './command.js';
export { CliError, EXIT, intOption, keyValueOption, processContext } from './command.js';
export { buildProgram, runCli } from './program.js';
