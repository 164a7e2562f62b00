/** One series' labels, as the API receives them. */
export const SERIES = {
  tenant: 'acme',
  application: 'chat',
  environment: 'prod',
  provider: 'openai',
  model: 'gpt-4o-mini',
  operation: 'chat',
} as const;
