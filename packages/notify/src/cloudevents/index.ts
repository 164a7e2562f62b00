import type { Producer } from 'kafkajs';
import { deliverySettingsOf, type Receiver } from '../receiver.js';
import { classifyKafkaError } from '../retry.js';
import type { CloudEventsConfig } from './config.js';
import { cloudEventRecord } from './message.js';

/** Publishes with `producer` (idempotent, acks=all); the topic must exist (the notifier creates it). */
export function buildCloudEventsReceiver(config: CloudEventsConfig, producer: Producer): Receiver {
  return {
    name: config.name,
    type: 'cloudevents',
    settings: deliverySettingsOf(config),
    async attempt(notification) {
      try {
        await producer.send({
          topic: config.topic,
          acks: -1,
          messages: [cloudEventRecord(notification, config)],
        });
        return { kind: 'delivered' };
      } catch (error) {
        return classifyKafkaError(error);
      }
    },
  };
}
