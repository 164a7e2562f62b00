import { readFileSync } from 'node:fs';
import { kafkaConfigFromEnv, kafkaConfigSchema, pipelineTopicsSchema, topicsFromEnv } from '@aiops/kafka';
import { parseConfig } from '@aiops/ops';
import { z } from 'zod';

export const reviewerConfigSchema = z.strictObject({
  kafka: kafkaConfigSchema,
  topics: pipelineTopicsSchema.default(pipelineTopicsSchema.parse({})),
  groupId: z.string().min(1).default('aiops-reviewer'),
  partitions: z.number().int().positive().default(6),
  /** Review rules (packages/review config: thresholds, sampling, caps); validated by the router at start. */
  review: z.unknown().default({}),
});
export type ReviewerConfig = z.output<typeof reviewerConfigSchema>;

export function reviewerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ReviewerConfig {
  const input: Record<string, unknown> = {
    kafka: kafkaConfigFromEnv(env, 'aiops-reviewer'),
    topics: topicsFromEnv(env),
  };
  if (env.REVIEWER_GROUP_ID) input.groupId = env.REVIEWER_GROUP_ID;
  if (env.TOPIC_PARTITIONS) input.partitions = Number(env.TOPIC_PARTITIONS);
  if (env.REVIEW_RULES_FILE) {
    const file = env.REVIEW_RULES_FILE;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read REVIEW_RULES_FILE ${file}: ${(error as Error).message}`);
    }
    try {
      input.review = JSON.parse(text) as unknown;
    } catch (error) {
      throw new Error(`REVIEW_RULES_FILE ${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  return parseConfig(reviewerConfigSchema, input, 'reviewer configuration');
}
