import type { Emitter } from './emit.js';
import type { CompiledRules } from './rules.js';

/** What a detector gets besides its own state and the window: its rules and where to report. */
export interface DetectorContext {
  readonly compiled: CompiledRules;
  readonly emit: Emitter;
  /** How sentences name the scope ("openai/gpt-4o chat (acme/support-bot, prod)"). */
  readonly scope: string;
}
