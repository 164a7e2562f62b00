import { z } from 'zod';
import { deliveryFields } from '../receiver.js';

/** CloudEvents 1.0 in Kafka binary content mode, for machines that subscribe. */
export const cloudeventsConfigSchema = z.strictObject({
  type: z.literal('cloudevents'),
  ...deliveryFields,
  topic: z.string().min(1).default('aiops.incidents.events.v1'),
  /** ce_source: a URI-reference naming this producer. */
  source: z.string().min(1).default('/aiops/notifier'),
  /** ce_type is `<type_prefix>.<kind>`: opened, updated, repeat, resolved. */
  type_prefix: z.string().min(1).default('io.aiops.incident'),
});
export type CloudEventsConfig = z.output<typeof cloudeventsConfigSchema>;
