import type { AuditRecord } from '@aiops/contract';
import { detectionRulesDiff, detectionRulesHash } from '@aiops/detectors';
import { ensureTopics, readCompactedTopic, type TransactionQueue } from '@aiops/kafka';
import type { Logger } from '@aiops/ops';
import type { Kafka } from 'kafkajs';
import type { DetectorConfig } from './config.js';

/** The rules a detector group last started with, on its state topic next to the partition checkpoints. */
interface RulesCheckpoint {
  readonly hash: string;
  readonly rules: unknown;
}

export const RULES_CHANGE_ACTION = 'rules.change';

const rulesKey = (groupId: string) => `${groupId}/rules`;

/**
 * At start: logs the hash of the rules loaded and, when they differ from the rules the group last started
 * with, a summary of the change; then publishes the audit record (the notifier appends it to audit_log) and
 * the new rules checkpoint in one transaction, so a change is recorded once or, after a crash, again.
 */
export async function recordRulesChange(
  kafka: Kafka,
  transactions: TransactionQueue,
  config: DetectorConfig,
  log: Logger,
  nowMs: number,
): Promise<void> {
  const { topics, groupId } = config;
  await ensureTopics(kafka, [{ topic: topics.audit, partitions: 1 }]);
  let previous: RulesCheckpoint | null = null;
  await readCompactedTopic(kafka, topics.detectorState, (key, value) => {
    if (key === rulesKey(groupId))
      previous = value === null ? null : (JSON.parse(value.toString('utf8')) as RulesCheckpoint);
  });
  const before = previous as RulesCheckpoint | null;
  const hash = detectionRulesHash(config.rules);
  if (before?.hash === hash) {
    log.info({ rules_hash: hash }, 'detection rules loaded, unchanged');
    return;
  }
  const changes = detectionRulesDiff(before?.rules ?? {}, config.rules);
  const by = config.rulesChangedBy;
  log.info(
    { rules_hash: hash, previous_rules_hash: before?.hash ?? null, changes, changed_by: by },
    'detection rules loaded, changed',
  );
  const record: AuditRecord = {
    audit_id: `${RULES_CHANGE_ACTION}/${groupId}/${before?.hash ?? 'none'}/${hash}`,
    at: nowMs,
    actor: by,
    action: RULES_CHANGE_ACTION,
    target: `detector/${groupId}`,
    before: before === null ? null : { hash: before.hash },
    after: { hash, changes },
    comment: `${changes.length} rule setting(s) changed`,
  };
  const checkpoint: RulesCheckpoint = { hash, rules: config.rules };
  await transactions.publish({
    messages: [
      { topic: topics.audit, messages: [{ key: record.audit_id, value: JSON.stringify(record) }] },
      {
        topic: topics.detectorState,
        messages: [{ key: rulesKey(groupId), value: JSON.stringify(checkpoint) }],
      },
    ],
  });
}
