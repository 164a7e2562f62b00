import { z } from 'zod';
import type { Checkpoint, UnseenGiveUp } from './offsets.js';
import type { TenantPosition } from './tenant-clock.js';
import type { WatermarkPosition } from './watermark.js';

/**
 * A checkpoint as it is stored in the metadata of a committed Kafka offset, so a restarted consumer
 * resumes each partition exactly (see Checkpoint): version 1, the watermark, and when they fit the
 * per-source position behind it and where the original run stopped waiting for unseen sources.
 */

const tenantPositionSchema = z.tuple([
  z.string(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.array(z.tuple([z.string(), z.number(), z.number()])),
]) satisfies z.ZodType<TenantPosition>;

const watermarkPositionSchema = z.object({
  watermarkMs: z.number(),
  sources: z.array(z.tuple([z.string(), z.number()])),
  expectedSources: z.number(),
  unseenGivenUp: z.boolean(),
  tenants: z.array(tenantPositionSchema).optional(),
}) satisfies z.ZodType<WatermarkPosition>;

const unseenGiveUpSchema = z.object({
  offset: z.number(),
  beforeRecord: z.boolean(),
}) satisfies z.ZodType<UnseenGiveUp>;

export const commitMetadataSchema = z.object({
  v: z.literal(1),
  watermark: z.number(),
  // Optional refinements: one that does not parse (an older or damaged format) is left out, and the
  // partition resumes from the watermark alone, as before positions were kept.
  position: watermarkPositionSchema.optional().catch(undefined),
  unseenGiveUp: unseenGiveUpSchema.optional().catch(undefined),
});
export type CommitMetadata = z.infer<typeof commitMetadataSchema>;

/** Kafka's default limit on commit metadata (offset.metadata.max.bytes) is 4096 bytes. */
export const MAX_COMMIT_METADATA_CHARS = 4000;

/** The metadata of a committed offset, or null when it is none of ours (then the partition starts afresh). */
export function parseCommitMetadata(metadata: string | null): CommitMetadata | null {
  if (!metadata) return null;
  let json: unknown;
  try {
    json = JSON.parse(metadata);
  } catch {
    return null;
  }
  const parsed = commitMetadataSchema.safeParse(json);
  if (!parsed.success) return null;
  const { position, unseenGiveUp, ...rest } = parsed.data;
  return {
    ...rest,
    ...(position === undefined ? {} : { position }),
    ...(unseenGiveUp === undefined ? {} : { unseenGiveUp }),
  };
}

/** `checkpoint` as commit metadata, within MAX_COMMIT_METADATA_CHARS (dropping what does not fit). */
export function formatCommitMetadata(checkpoint: Checkpoint): string {
  const full: CommitMetadata = { v: 1, watermark: checkpoint.watermark };
  if (checkpoint.position !== undefined) full.position = checkpoint.position;
  if (checkpoint.unseenGiveUp !== undefined) full.unseenGiveUp = checkpoint.unseenGiveUp;
  const text = JSON.stringify(full);
  if (text.length <= MAX_COMMIT_METADATA_CHARS) return text;
  // With very many tenants their clocks do not fit: they restart from the partition's position.
  if (full.position?.tenants !== undefined) {
    const { tenants: _dropped, ...sourcesOnly } = full.position;
    const shorter = JSON.stringify({ ...full, position: sourcesOnly });
    if (shorter.length <= MAX_COMMIT_METADATA_CHARS) return shorter;
  }
  // With very many sources the position does not fit: resume from the watermark alone, as before.
  return JSON.stringify({ v: 1, watermark: checkpoint.watermark });
}
