import { kafkaConfigFromEnv, kafkaConfigSchema, pipelineTopicsSchema, topicsFromEnv } from '@aiops/kafka';
import { parseConfig, readJsonFile } from '@aiops/ops';
import { reviewConfigSchema } from '@aiops/review';
import { z } from 'zod';

export const reviewerConfigSchema = z.strictObject({
  kafka: kafkaConfigSchema,
  topics: pipelineTopicsSchema.default(pipelineTopicsSchema.parse({})),
  groupId: z.string().min(1).default('aiops-reviewer'),
  partitions: z.number().int().positive().default(6),
  /** Review rules (packages/review config: thresholds, sampling, caps); a bad key fails the start, named. */
  review: reviewConfigSchema.prefault({}),
});
export type ReviewerConfig = z.output<typeof reviewerConfigSchema>;

export function reviewerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ReviewerConfig {
  const input: Record<string, unknown> = {
    kafka: kafkaConfigFromEnv(env, 'aiops-reviewer'),
    topics: topicsFromEnv(env),
  };
  if (env.REVIEWER_GROUP_ID) input.groupId = env.REVIEWER_GROUP_ID;
  if (env.TOPIC_PARTITIONS) input.partitions = Number(env.TOPIC_PARTITIONS);
  if (env.REVIEW_RULES_FILE) input.review = readJsonFile('REVIEW_RULES_FILE', env.REVIEW_RULES_FILE);
  return parseConfig(reviewerConfigSchema, input, 'reviewer configuration');
}
