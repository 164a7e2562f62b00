import type { Message, Producer } from 'kafkajs';

export interface TransactionalWrite {
  readonly sends: ReadonlyArray<{ readonly topic: string; readonly messages: readonly Message[] }>;
  /** Consumed offsets (the next offset to read) committed in the same transaction. */
  readonly offsets?: ReadonlyArray<{
    readonly topic: string;
    readonly partition: number;
    readonly offset: string;
  }>;
}

/**
 * The transactions of one transactional producer, one at a time in the order they were asked for: each
 * makes its records and the consumed offsets visible together, or neither (read_committed readers). A
 * failed transaction is aborted and fails every later one too: the service stops and resumes from the last
 * committed one, which is what keeps state, output and offsets in step.
 */
export class TransactionChain {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly producer: Producer,
    private readonly consumerGroupId: string,
  ) {}

  /** Queues a transaction; its content is fixed now. Resolves when it is committed. */
  write(write: TransactionalWrite): Promise<void> {
    const sends = write.sends.filter((s) => s.messages.length > 0);
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const o of write.offsets ?? [])
      byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }]);
    const run = async () => {
      if (sends.length === 0 && byTopic.size === 0) return;
      const transaction = await this.producer.transaction();
      try {
        for (const send of sends)
          await transaction.send({ topic: send.topic, messages: [...send.messages], acks: -1 });
        if (byTopic.size > 0) {
          await transaction.sendOffsets({
            consumerGroupId: this.consumerGroupId,
            topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
          });
        }
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    };
    this.tail = this.tail.then(run);
    return this.tail;
  }

  /** Resolves when every queued transaction has finished, committed or not. */
  settled(): Promise<void> {
    return this.tail.catch(() => undefined);
  }
}
