import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClickHouseClient, parseClickHouseConfig } from '@aiops/clickhouse';
import { REPO_ROOT } from '@aiops/harness';
import { describe, expect, it } from 'vitest';
import { clickhouseUrl, kafkaBrokers, uniqueName } from '../setup/endpoints.js';
import { testKafka } from '../support/kafka.js';

/**
 * The README's `npx aiops …` commands, run exactly so from the repository root: npx must find the
 * workspace's own `aiops` bin (node_modules/.bin, linked because the root depends on @aiops/cli) and never
 * ask the registry, which has no package of that name. `npm_config_offline` makes a registry look-up fail
 * at once instead of hanging, so a missing link shows up as a failed command, not a slow one.
 */

const run = promisify(execFile);

async function npx(args: readonly string[], extraEnv: Record<string, string> = {}) {
  return run('npx', ['aiops', ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      npm_config_offline: 'true',
      npm_config_yes: 'false',
      KAFKA_BROKERS: kafkaBrokers().join(','),
      CLICKHOUSE_URL: clickhouseUrl(),
      ...extraEnv,
    },
    timeout: 60_000,
  });
}

/** Every `npx aiops …` the README shows, as the subcommand path (`stack down`, `alerts tail`, `migrate`…). */
function readmeCommands(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const commands = new Set<string>();
  for (const match of readme.matchAll(/npx aiops ([a-z][a-z-]*(?: (?:up|down|status|env|tail))?)/g)) {
    commands.add(match[1]!);
  }
  return [...commands].sort();
}

describe('the README commands through npx from the repository root', () => {
  it('the README shows the commands this test runs', () => {
    expect(readmeCommands()).toEqual(
      expect.arrayContaining(['alerts tail', 'migrate', 'run', 'score-series', 'simulate', 'stack down']),
    );
  });

  it('`npx aiops --help` lists every command', async () => {
    const { stdout } = await npx(['--help']);
    for (const command of ['stack', 'migrate', 'run', 'simulate', 'alerts', 'score-series']) {
      expect(stdout).toContain(command);
    }
  });

  it('every README command resolves to the local CLI (`--help` of each)', async () => {
    for (const command of readmeCommands()) {
      const { stdout } = await npx([...command.split(' '), '--help']);
      expect(stdout, command).toMatch(/^Usage: aiops /);
    }
  });

  it('`npx aiops stack status` reports the stack the suite runs on', async () => {
    const { stdout } = await npx(['stack', 'status']);
    expect(stdout).toMatch(/^kafka\s+(running|external)/m);
    expect(stdout).toMatch(/^clickhouse\s+(running|external)/m);
  });

  it('`npx aiops stack env` prints the endpoints to export', async () => {
    const { stdout } = await npx(['stack', 'env']);
    expect(stdout).toContain(`KAFKA_BROKERS=${kafkaBrokers().join(',')}`);
    expect(stdout).toContain(`CLICKHOUSE_URL=${clickhouseUrl()}`);
  });

  it('`npx aiops migrate` creates and migrates the database on the real server', async () => {
    const database = uniqueName('aiops_npx');
    const client = createClickHouseClient(
      parseClickHouseConfig({ url: clickhouseUrl(), database: 'system' }),
    );
    try {
      const { stdout } = await npx(['migrate'], { CLICKHOUSE_DATABASE: database });
      expect(stdout).toContain(`database ${database} on ClickHouse`);
      // Server 18.16 has no query parameters; the name is ours (uniqueName), not input.
      const result = await client.query({ query: `SHOW TABLES FROM ${database}`, format: 'JSONEachRow' });
      const tables = (await result.json<{ name: string }>()).map((row) => row.name);
      expect(tables).toEqual(expect.arrayContaining(['alerts', 'events', 'window_aggregates']));
    } finally {
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await client.close();
    }
  });

  it('`npx aiops alerts tail` follows a real alert topic and stops at --timeout', async () => {
    const topic = uniqueName('npx_alerts');
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      const { stdout, stderr } = await npx(['alerts', 'tail', '--topic', topic, '--timeout', '3s']);
      expect(`${stdout}${stderr}`).not.toMatch(/error/i);
    } finally {
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
    }
  });
});
