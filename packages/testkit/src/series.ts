import type { Series } from '@aiops/contract';

/**
 * The series every builder here fills in (acme/support-bot, production, openai gpt-4o chat), so that an
 * event, its window and its alert agree unless a test overrides a dimension.
 */
export const DEFAULT_SERIES: Series = {
  tenant_id: 'acme',
  application: 'support-bot',
  environment: 'production',
  provider: 'openai',
  model: 'gpt-4o',
  operation: 'chat',
};
