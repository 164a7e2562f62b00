export type { ReviewConfig } from './config.js';
export { parseReviewConfig, reviewConfigSchema } from './config.js';
export type { ReviewItem, ReviewReason, ReviewVerdict } from './item.js';
export {
  REVIEW_REASONS,
  REVIEW_VERDICTS,
  resolveReviewItem,
  reviewItemCodec,
  reviewItemSchema,
} from './item.js';
export type { DropReason, RouteDecision, RouterSnapshot, TenantCounts } from './router.js';
export { ReviewRouter, reviewItemOf, reviewReason, sampled } from './router.js';
