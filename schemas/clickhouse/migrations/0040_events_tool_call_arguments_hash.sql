-- A producer-side hash of a tool call's arguments (TelemetryEvent v1.2): the agent monitor counts repeats
-- of the same (tool, arguments hash) in one trace as a tool-call loop. Nullable; rows written before this
-- migration read NULL. (18.16 has no ADD COLUMN IF NOT EXISTS; the runner applies a migration once.)
ALTER TABLE {{database}}.events ADD COLUMN tool_call_arguments_hash Nullable(String) AFTER tool_name;
