import { z } from 'zod';
import type { Checkpoint, UnseenGiveUp } from './offsets.js';
import type { TenantPosition } from './tenant-clock.js';
import { NO_WATERMARK, type WatermarkPosition } from './watermark.js';

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

/**
 * The tenants' clocks as committed: the same numbers as TenantPosition, as differences, which are short
 * where epoch milliseconds take 13 digits (a tenant spread over 6 raw partitions: ≈ 130 bytes instead of
 * ≈ 260). Per tenant: [tenant, highest event time − base, watermark − highest (null: none yet), first
 * record's source progress − highest, sources announced, per source [id, its highest − the tenant's
 * highest, its progress at its last record of the tenant − its highest]].
 */
const compactTenantSchema = z.tuple([
  z.string(),
  z.number(),
  z.number().nullable(),
  z.number(),
  z.number(),
  z.array(z.tuple([z.string(), z.number(), z.number()])),
]);
const compactTenantsSchema = z.object({ base: z.number(), clocks: z.array(compactTenantSchema) });
type CompactTenants = z.infer<typeof compactTenantsSchema>;

function compactTenants(tenants: readonly TenantPosition[]): CompactTenants {
  const base = tenants.reduce((least, t) => Math.min(least, t[1]), Number.POSITIVE_INFINITY);
  return {
    base: Number.isFinite(base) ? base : 0,
    clocks: tenants.map(([tenant, highest, watermark, first, expected, sources]) => [
      tenant,
      highest - base,
      watermark === NO_WATERMARK ? null : watermark - highest,
      first - highest,
      expected,
      sources.map(([id, max, at]) => [id, max - highest, at - max] as [string, number, number]),
    ]),
  };
}

function expandTenants({ base, clocks }: CompactTenants): TenantPosition[] {
  return clocks.map(([tenant, dHighest, dWatermark, dFirst, expected, sources]) => {
    const highest = base + dHighest;
    return [
      tenant,
      highest,
      dWatermark === null ? NO_WATERMARK : highest + dWatermark,
      highest + dFirst,
      expected,
      sources.map(
        ([id, dMax, dAt]) => [id, highest + dMax, highest + dMax + dAt] as [string, number, number],
      ),
    ];
  });
}

const committedPositionSchema = z.object({
  watermarkMs: z.number(),
  sources: z.array(z.tuple([z.string(), z.number()])),
  expectedSources: z.number(),
  unseenGivenUp: z.boolean(),
  /** Absolute (metadata written before the compact form); read, no longer written. */
  tenants: z.array(tenantPositionSchema).optional(),
  tenantClocks: compactTenantsSchema.optional(),
});
type CommittedPosition = z.infer<typeof committedPositionSchema>;

const watermarkPositionSchema = committedPositionSchema.transform(
  ({ tenantClocks, tenants, ...rest }): WatermarkPosition => {
    const clocks = tenantClocks === undefined ? tenants : expandTenants(tenantClocks);
    return clocks === undefined ? rest : { ...rest, tenants: clocks };
  },
);

/** A watermark position as the commit metadata holds it (tenants' clocks in their compact form). */
export function committedPosition({ tenants, ...rest }: WatermarkPosition): CommittedPosition {
  return tenants === undefined ? rest : { ...rest, tenantClocks: compactTenants(tenants) };
}

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
  /**
   * When the committed offset is before the windows' checkpoint (the duplicate filter's oldest id):
   * the offset the windows resume from; the records before it only rebuild the filter.
   */
  windowsFrom: z.number().int().nonnegative().optional().catch(undefined),
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
  const { position, unseenGiveUp, windowsFrom, ...rest } = parsed.data;
  return {
    ...rest,
    ...(position === undefined ? {} : { position }),
    ...(unseenGiveUp === undefined ? {} : { unseenGiveUp }),
    ...(windowsFrom === undefined ? {} : { windowsFrom }),
  };
}

/**
 * `checkpoint` as commit metadata, within MAX_COMMIT_METADATA_CHARS (dropping what does not fit);
 * `windowsFrom` when the offset committed with it is earlier than the checkpoint's.
 */
export function formatCommitMetadata(checkpoint: Checkpoint, windowsFrom?: number): string {
  const base: Omit<CommitMetadata, 'position'> = { v: 1, watermark: checkpoint.watermark };
  if (windowsFrom !== undefined) base.windowsFrom = windowsFrom;
  const full: Omit<CommitMetadata, 'position'> & { position?: CommittedPosition } = { ...base };
  if (checkpoint.position !== undefined) full.position = committedPosition(checkpoint.position);
  if (checkpoint.unseenGiveUp !== undefined) full.unseenGiveUp = checkpoint.unseenGiveUp;
  const text = JSON.stringify(full);
  if (text.length <= MAX_COMMIT_METADATA_CHARS) return text;
  // With very many tenants their clocks do not fit: they restart from the partition's position.
  if (full.position?.tenantClocks !== undefined) {
    const { tenantClocks: _dropped, ...sourcesOnly } = full.position;
    const shorter = JSON.stringify({ ...full, position: sourcesOnly });
    if (shorter.length <= MAX_COMMIT_METADATA_CHARS) return shorter;
  }
  // With very many sources the position does not fit: resume from the watermark alone, as before.
  return JSON.stringify(base);
}
