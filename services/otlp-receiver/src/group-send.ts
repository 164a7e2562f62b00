import type { OutputMessages } from '@aiops/kafka';

type Send = (output: OutputMessages[]) => Promise<void>;

interface Waiting {
  readonly output: OutputMessages[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** One list per topic, in arrival order. */
function mergeByTopic(waiting: readonly Waiting[]): OutputMessages[] {
  const byTopic = new Map<string, OutputMessages>();
  for (const { output } of waiting) {
    for (const batch of output) {
      if (batch.messages.length === 0) continue;
      const merged = byTopic.get(batch.topic);
      if (merged === undefined)
        byTopic.set(batch.topic, { topic: batch.topic, messages: [...batch.messages] });
      else merged.messages.push(...batch.messages);
    }
  }
  return [...byTopic.values()];
}

/**
 * Group commit: the requests that arrive while a produce is in flight go out together in the next one, so
 * concurrent HTTP requests share Kafka round trips instead of queueing one behind the other (the idempotent
 * producer keeps one request in flight). Each caller's promise settles with the send that carried its
 * messages; a failed send fails every request in it (their clients retry, event ids deduplicate).
 */
export function groupSend(send: Send): Send {
  let waiting: Waiting[] = [];
  let running = false;
  const drain = async () => {
    running = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        await send(mergeByTopic(group));
        for (const w of group) w.resolve();
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    running = false;
  };
  return (output) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ output, resolve, reject });
      if (!running) void drain();
    });
}
