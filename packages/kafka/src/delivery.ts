import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { createOutputProducer, type OutputMessages } from './producer.js';
import type { BatchOutcome } from './runner.js';
import { connectTransactionalProducer, createTransactionQueue } from './transactions.js';

/**
 * Kafka Streams' `processing.guarantee`: `exactly_once` puts a batch's output and its consumed offset in one
 * transaction; `at_least_once` sends the output and commits the offset after the acknowledgement, so a
 * crash re-sends the batches in flight.
 */
export const processingGuaranteeSchema = z.enum(['exactly_once', 'at_least_once']);
export type ProcessingGuarantee = z.infer<typeof processingGuaranteeSchema>;

/** How a batch's output and its consumed offset become durable: what a stateless stage hands the runner. */
export interface BatchDelivery {
  send(
    output: OutputMessages[],
    consumed: { topic: string; partition: number; offset: string },
  ): BatchOutcome;
  close(): Promise<void>;
}

export interface BatchDeliveryOptions {
  readonly guarantee: ProcessingGuarantee;
  /** The consumer group whose offsets a transaction commits. */
  readonly groupId: string;
  /** Stable per instance: a restart with the same id fences the previous run and aborts its open transaction. */
  readonly instanceId: string;
  readonly maxRequestBytes: number;
}

export async function connectBatchDelivery(
  kafka: Kafka,
  options: BatchDeliveryOptions,
): Promise<BatchDelivery> {
  if (options.guarantee === 'at_least_once') {
    const producer = createOutputProducer(kafka, { maxRequestBytes: options.maxRequestBytes });
    await producer.connect();
    // The runner commits the batch's offset once the sends are acknowledged.
    return { send: (output) => ({ durable: producer.send(output) }), close: () => producer.disconnect() };
  }
  const producer = await connectTransactionalProducer(kafka, `${options.groupId}-${options.instanceId}`);
  const transactions = createTransactionQueue(producer, { maxRequestBytes: options.maxRequestBytes });
  return {
    send: (output, consumed) => ({
      durable: transactions.publish({
        messages: output,
        offsets: [{ consumerGroupId: options.groupId, ...consumed }],
      }),
      commits: [],
    }),
    async close() {
      await transactions.settled();
      await producer.disconnect();
    },
  };
}
