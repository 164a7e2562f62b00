-- Tokens written to the provider's prompt cache (TelemetryEvent v1.1, OpenTelemetry
-- gen_ai.usage.cache_creation.input_tokens). Nullable like the other token counts; rows written before
-- this migration read NULL. (18.16 has no ADD COLUMN IF NOT EXISTS; the runner applies a migration once.)
ALTER TABLE {{database}}.events ADD COLUMN cache_creation_input_tokens Nullable(UInt64) AFTER reasoning_output_tokens;
