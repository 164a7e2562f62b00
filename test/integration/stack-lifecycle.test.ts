import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveStackOptions, stackDown, stackStatus, stackUp } from '@aiops/stack';
import { afterAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, kafkaBrokers } from '../setup/endpoints.js';

/**
 * The local stack for real: the default stack the suite runs on, and a second, throw-away stack on other
 * ports in a temporary data dir, brought up and down (real JVM, real ClickHouse server).
 */

const defaults = resolveStackOptions();
const sharedLibs = join(defaults.dataDir, 'kafka', 'libs');
// The second stack reuses the resolved Kafka jars (no second Maven run); without them it is skipped.
const env: Readonly<Record<string, string | undefined>> = process.env;
const canRunSecondStack =
  env.KAFKA_BROKERS === undefined &&
  env.CLICKHOUSE_URL === undefined &&
  existsSync(join(sharedLibs, '.resolved-3.9.1'));

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('the stack the suite runs on', () => {
  it('reports every service as answering, on the endpoints the tests were given', async () => {
    const status = await stackStatus();
    for (const service of [status.kafka, status.clickhouse]) {
      expect(['running', 'external']).toContain(service.state);
    }
    expect(status.kafka.endpoint.split(',')).toEqual(kafkaBrokers());
    expect(new URL(status.clickhouse.endpoint).host).toBe(new URL(clickhouseUrl()).host);
    if (status.clickhouse.state === 'running') {
      expect(status.clickhouse.pid).toBeGreaterThan(0);
      expect(status.clickhouse.version).toMatch(/^\d+\.\d+/);
      expect(status.kafka.version).toBe('3.9.1');
    }
  });

  it('`up` is idempotent: a running stack is left alone', async () => {
    const before = await stackStatus();
    const report = await stackUp();
    for (const service of [report.kafka, report.clickhouse]) {
      expect(['already-running', 'external']).toContain(service.action);
    }
    expect(report.kafka.pid).toBe(before.kafka.pid);
    expect(report.clickhouse.pid).toBe(before.clickhouse.pid);
    expect(report.durationMs).toBeLessThan(10_000);
  });

  it('reports given endpoints as external and provisions nothing for them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aiops-stack-ext-'));
    scratch.push(dataDir);
    const report = await stackUp({
      dataDir,
      kafkaBrokers: kafkaBrokers().join(','),
      clickhouseUrl: clickhouseUrl(),
    });
    expect(report.kafka).toMatchObject({ action: 'external', state: 'external', pid: null });
    expect(report.clickhouse).toMatchObject({ action: 'external', state: 'external', pid: null });
    expect(existsSync(join(dataDir, 'kafka'))).toBe(false);
    expect(existsSync(join(dataDir, 'clickhouse'))).toBe(false);
    const down = await stackDown({
      dataDir,
      kafkaBrokers: kafkaBrokers().join(','),
      clickhouseUrl: clickhouseUrl(),
    });
    expect(down.kafka.action).toBe('skipped');
    expect(down.clickhouse.action).toBe('skipped');
  });
});

describe.skipIf(!canRunSecondStack)('a second stack on other ports', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aiops-stack-'));
  scratch.push(dataDir);
  const options = {
    dataDir,
    kafkaPort: 29192,
    kafkaControllerPort: 29193,
    clickhouseHttpPort: 28223,
    clickhouseTcpPort: 29100,
    startTimeoutMs: 90_000,
  };

  it('starts from an empty data dir, formats Kafka storage once, and answers', async () => {
    mkdirSync(join(dataDir, 'kafka'), { recursive: true });
    symlinkSync(sharedLibs, join(dataDir, 'kafka', 'libs'));
    const report = await stackUp(options);
    expect(report.kafka).toMatchObject({ action: 'started', state: 'running', endpoint: '127.0.0.1:29192' });
    expect(report.clickhouse).toMatchObject({
      action: 'started',
      state: 'running',
      endpoint: 'http://127.0.0.1:28223',
    });
    expect(report.kafka.steps.join('\n')).toMatch(/formatted KRaft storage/);
    expect(existsSync(join(dataDir, 'kafka', 'kafka.pid'))).toBe(true);
    expect(existsSync(join(dataDir, 'clickhouse', 'clickhouse.pid'))).toBe(true);
    expect(existsSync(join(dataDir, 'clickhouse', 'data', 'metadata'))).toBe(true);
  });

  it('refuses to start over a port something else holds, naming the port', async () => {
    const other = mkdtempSync(join(tmpdir(), 'aiops-stack-clash-'));
    scratch.push(other);
    await expect(stackUp({ ...options, dataDir: other })).rejects.toThrow(/port (29192|28223) is in use/);
    const status = await stackStatus({ ...options, dataDir: other });
    expect(status.kafka.state).toBe('foreign');
    expect(status.clickhouse.state).toBe('foreign');
  });

  it('stops only what it started, removes the pid files, and reports stopped afterwards', async () => {
    const before = await stackStatus(options);
    const down = await stackDown(options);
    expect(down.kafka).toMatchObject({ action: 'stopped', pid: before.kafka.pid });
    expect(down.clickhouse).toMatchObject({ action: 'stopped', pid: before.clickhouse.pid });
    expect(existsSync(join(dataDir, 'kafka', 'kafka.pid'))).toBe(false);
    const after = await stackStatus(options);
    expect(after.kafka.state).toBe('stopped');
    expect(after.clickhouse.state).toBe('stopped');
    // The default stack is untouched.
    const main = await stackStatus();
    expect(['running', 'external']).toContain(main.kafka.state);
    expect(['running', 'external']).toContain(main.clickhouse.state);
    expect((await stackDown(options)).kafka.action).toBe('not-running');
  });

  it('restarts on the kept data without formatting again', async () => {
    const report = await stackUp(options);
    expect(report.kafka.action).toBe('started');
    expect(report.kafka.steps.join('\n')).not.toMatch(/formatted/);
    await stackDown(options);
  });
});
