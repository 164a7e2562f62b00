import { gunzipSync, gzipSync } from 'node:zlib';
import { readCompactedTopic } from '@aiops/kafka';
import type { ChangelogEntry } from '@aiops/prompts';
import type { Kafka, Message } from 'kafkajs';

/**
 * The prompt monitor's changelog on a compacted topic: one record per monitor key (each prompt and
 * the clock), key `<groupId>/<monitor key>`, value gzipped JSON, null when the key is gone.
 */
export function changelogMessage(groupId: string, entry: ChangelogEntry): Message {
  return {
    key: `${groupId}/${entry.key}`,
    value: entry.value === null ? null : gzipSync(JSON.stringify(entry.value)),
  };
}

/** Reads the changelog to its end: the latest state of every key of the group. */
export async function loadChangelog(kafka: Kafka, topic: string, groupId: string): Promise<ChangelogEntry[]> {
  const prefix = `${groupId}/`;
  const latest = new Map<string, Buffer | null>();
  await readCompactedTopic(kafka, topic, (key, value) => {
    if (key.startsWith(prefix)) latest.set(key.slice(prefix.length), value);
  });
  const entries: ChangelogEntry[] = [];
  for (const [key, value] of latest) {
    if (value === null) continue;
    entries.push({ key, value: JSON.parse(gunzipSync(value).toString('utf8')) as ChangelogEntry['value'] });
  }
  return entries;
}
