import type { SqlExecutor } from '@aiops/clickhouse';
import { detectionRulesHash } from '@aiops/detectors';
import { createLogger, createPipelineMetrics } from '@aiops/ops';
import { detectorConfigSchema, startDetector } from '@aiops/service-detector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBrokers, uniqueName } from '../setup/endpoints.js';
import { notifierTopics, startTestNotifier, type TestNotifier } from '../support/notifier.js';
import { waitFor } from '../support/pipeline.js';

/**
 * A detection-rules change lands in audit_log: the detector (no ClickHouse connection) publishes the audit
 * record with its rules checkpoint in one transaction, and the notifier stores it.
 */

const id = uniqueName('itr');
const logger = createLogger({ service: 'it-rules-audit', level: process.env.TEST_LOG_LEVEL ?? 'warn' });
const rulesA = { latency: { z_threshold: 4 } };
const rulesB = { latency: { z_threshold: 5 }, errors: { enabled: false } };

const detectorConfig = (rules: unknown) =>
  detectorConfigSchema.parse({
    kafka: { brokers: kafkaBrokers(), clientId: `${id}-detector` },
    topics: { ...notifierTopics(id), windows: `${id}.windows`, detectorState: `${id}.detector-state` },
    groupId: `${id}-detector`,
    partitions: 1,
    rules,
    rulesChangedBy: 'dana',
  });

async function runDetectorOnce(rules: unknown): Promise<void> {
  const detector = await startDetector(
    detectorConfig(rules),
    logger,
    createPipelineMetrics({ defaultMetrics: false }),
  );
  await waitFor(() => detector.isReady(), 60_000, 'detector ready');
  await detector.stop(10_000);
}

let running: TestNotifier;
let executor: SqlExecutor;

beforeAll(async () => {
  running = await startTestNotifier(
    id,
    {
      route: { receiver: 'nobody' },
      // No alert is produced: never called.
      receivers: [{ name: 'nobody', type: 'webhook', url: 'http://127.0.0.1:9/never' }],
    },
    logger,
  );
  executor = running.executor;
});

afterAll(async () => {
  await running?.stop();
});

interface AuditRow {
  actor: string;
  action: string;
  target: string;
  before: string;
  after: string;
}

const rulesRows = async () =>
  executor.queryRows<AuditRow>(
    `SELECT actor, action, target, before, after FROM ${id}.audit_log WHERE action = 'rules.change' ORDER BY at_ms`,
  );

describe('detection rules changes in audit_log', () => {
  it('records the change from rules A to rules B once, with both hashes, and nothing for a restart on the same rules', async () => {
    const hashA = detectionRulesHash(rulesA);
    const hashB = detectionRulesHash(rulesB);
    await runDetectorOnce(rulesA);
    await runDetectorOnce(rulesB);
    await runDetectorOnce(rulesB);
    await waitFor(async () => (await rulesRows()).length >= 2, 30_000, 'two rules changes in audit_log');
    // The notifier has caught up with the audit topic: a third row would be there by now.
    await new Promise((r) => setTimeout(r, 1500));
    const rows = await rulesRows();
    expect(rows).toHaveLength(2);
    const [first, change] = rows as [AuditRow, AuditRow];
    // The first start records the rules it found none before.
    expect(first).toMatchObject({ actor: 'dana', target: `detector/${id}-detector`, before: '' });
    expect(JSON.parse(first.after)).toMatchObject({ hash: hashA });
    const both = rows.filter((r) => r.before.includes(hashA) && r.after.includes(hashB));
    expect(both).toHaveLength(1);
    expect(JSON.parse(change.before)).toEqual({ hash: hashA });
    expect(JSON.parse(change.after)).toEqual({
      hash: hashB,
      changes: ['+ errors = {"enabled":false}', '~ latency.z_threshold: 4 -> 5'],
    });
  });
});
