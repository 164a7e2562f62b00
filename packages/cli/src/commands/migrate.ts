import { join } from 'node:path';
import {
  clickhouseConfigFromEnv,
  clickhouseExecutor,
  createClickHouseClient,
  type MigrateResult,
  migrate,
} from '@aiops/clickhouse';
import { findRepoRoot } from '@aiops/stack';
import { type CliCommand, type CliContext, keyValueOption } from '../command.js';

interface MigrateFlags {
  url?: string;
  database?: string;
  user?: string;
  password?: string;
  passwordFile?: string;
  dir?: string;
  var?: Record<string, string>;
  json?: boolean;
}

function print(context: CliContext, result: MigrateResult): void {
  for (const migration of result.migrations) {
    const label = `${String(migration.version).padStart(4, '0')}_${migration.name}`;
    let line = `${label.padEnd(28)} ${migration.outcome}`;
    if (migration.reason) line += ` (${migration.reason})`;
    if (migration.changedSinceApplied) line += ' [file changed since it was applied]';
    context.out(line);
  }
  const count = (outcome: string): number => result.migrations.filter((m) => m.outcome === outcome).length;
  context.out(
    `database ${result.database} on ClickHouse ${result.serverVersion}: ${count('applied')} applied, ` +
      `${count('already-applied')} already applied, ${count('skipped')} skipped`,
  );
}

export const migrateCommand: CliCommand = {
  name: 'migrate',
  register(program, context) {
    program
      .command('migrate')
      .description(
        'apply schemas/clickhouse/migrations to ClickHouse (idempotent; version-gated files are skipped on old servers)',
      )
      .option('--url <url>', 'ClickHouse HTTP URL (default $CLICKHOUSE_URL or http://127.0.0.1:18123)')
      .option('--database <name>', 'database to create and migrate (default $CLICKHOUSE_DATABASE or aiops)')
      .option('--user <name>', 'ClickHouse user (default $CLICKHOUSE_USER or default)')
      .option('--password <password>', 'ClickHouse password (default $CLICKHOUSE_PASSWORD)')
      .option(
        '--password-file <file>',
        'file holding the ClickHouse password (default $CLICKHOUSE_PASSWORD_FILE)',
      )
      .option('--dir <dir>', 'migrations folder (default <repo>/schemas/clickhouse/migrations)')
      .option(
        '--var <key=value>',
        'placeholder value, repeatable (e.g. --var events_ttl_days=90)',
        keyValueOption,
      )
      .option('--json', 'print the result as JSON')
      .action(async (flags: MigrateFlags) => {
        const config = clickhouseConfigFromEnv(context.env, {
          url: flags.url,
          database: flags.database,
          username: flags.user,
          password: flags.password,
          passwordFile: flags.passwordFile,
        });
        const dir = flags.dir ?? join(findRepoRoot(), 'schemas', 'clickhouse', 'migrations');
        const client = createClickHouseClient(config);
        try {
          const result = await migrate(clickhouseExecutor(client), {
            dir,
            database: config.database,
            variables: flags.var ?? {},
            ...(config.cluster === undefined ? {} : { cluster: config.cluster }),
          });
          if (flags.json) context.out(JSON.stringify(result, null, 2));
          else print(context, result);
        } finally {
          await client.close();
        }
      });
  },
};
