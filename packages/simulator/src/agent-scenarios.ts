import type { ToolSpec } from './catalog.js';
import type { World } from './world.js';

/**
 * Labelled agent incidents (judged per trace by the agent monitor, services/agent-monitor), beside the
 * window-level scenarios of scenarios.ts:
 * - agent_tool_loop: a share of the target agent's traces loop, calling one tool with the same arguments
 *   (same arguments hash) `loopCalls` times;
 * - runaway_agent: a share of its traces run `runawaySteps` steps (tools in turn, so no single tool loops),
 *   far longer and costlier than usual;
 * - unseen_tool: a share of its traces call a tool the agent never called before (`tool`).
 * Every injected trace is recorded (Simulation.agentTruth) so a benchmark scores per trace.
 */
export const AGENT_SCENARIO_KINDS = ['agent_tool_loop', 'runaway_agent', 'unseen_tool'] as const;
export type AgentScenarioKind = (typeof AGENT_SCENARIO_KINDS)[number];

/** The agent monitor's detector id that should flag each kind. */
export const AGENT_SCENARIO_DETECTOR: Readonly<Record<AgentScenarioKind, string>> = Object.freeze({
  agent_tool_loop: 'agent_tool_loop',
  runaway_agent: 'agent_runaway',
  unseen_tool: 'agent_unseen_tool',
});

export interface AgentScenarioSpec {
  readonly kind: AgentScenarioKind;
  readonly tenant_id?: string;
  readonly application?: string;
  readonly startMs?: number;
  readonly durationMs?: number;
  /** Share of the target's traces that misbehave while the scenario runs (default 0.5; unseen_tool 0.3). */
  readonly share?: number;
  /** agent_tool_loop: calls of the looping tool (default 10). */
  readonly loopCalls?: number;
  /** runaway_agent: steps of a runaway trace (default 28). */
  readonly runawaySteps?: number;
  /** unseen_tool: the new tool's name (default shell_exec). */
  readonly tool?: string;
}

export interface ResolvedAgentScenario {
  /** `${kind}#${index}` */
  readonly id: string;
  readonly kind: AgentScenarioKind;
  readonly tenant_id: string;
  readonly application: string;
  /** Only production traffic misbehaves. */
  readonly environment: string;
  readonly agent: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly share: number;
  readonly loopCalls: number;
  readonly runawaySteps: number;
  readonly tool: ToolSpec | null;
}

/** One injected trace: the ground truth the agent benchmark scores against. */
export interface AgentTruth {
  readonly scenarioId: string;
  readonly kind: AgentScenarioKind;
  readonly tenant_id: string;
  readonly trace_id: string;
  readonly agent: string;
  /** unseen_tool: the tool; agent_tool_loop: the looping tool; else null. */
  readonly tool: string | null;
  /** Tool calls the incident made (a trace cut short by a failed LLM call makes fewer). */
  readonly calls: number;
  /** The trace's start (event time). */
  readonly startMs: number;
}

export const DEFAULT_AGENT_TARGETS: Readonly<
  Record<AgentScenarioKind, { tenant_id: string; application: string }>
> = Object.freeze({
  agent_tool_loop: { tenant_id: 'acme', application: 'code-agent' },
  runaway_agent: { tenant_id: 'acme', application: 'code-agent' },
  unseen_tool: { tenant_id: 'globex', application: 'research-agent' },
});

const MINUTE_MS = 60_000;
export const DEFAULT_AGENT_SCENARIO_MS = 15 * MINUTE_MS;
const AGENT_SCENARIO_GAP_MS = 15 * MINUTE_MS;

/** Fills in targets and times: specs without startMs follow each other after the warm-up. */
export function resolveAgentScenarios(
  world: World,
  specs: readonly (AgentScenarioSpec | AgentScenarioKind)[],
  window: { startMs: number; endMs: number; warmupMs: number },
): ResolvedAgentScenario[] {
  let cursor = Math.ceil((window.startMs + window.warmupMs) / MINUTE_MS) * MINUTE_MS;
  return specs.map((given, index) => {
    const spec: AgentScenarioSpec = typeof given === 'string' ? { kind: given } : given;
    if (!(AGENT_SCENARIO_KINDS as readonly string[]).includes(spec.kind))
      throw new RangeError(
        `unknown agent scenario "${String(spec.kind)}"; expected one of ${AGENT_SCENARIO_KINDS.join(', ')}`,
      );
    const defaults = DEFAULT_AGENT_TARGETS[spec.kind];
    const tenant_id = spec.tenant_id ?? defaults.tenant_id;
    const application = spec.application ?? defaults.application;
    const app = world.apps.find((a) => a.tenant_id === tenant_id && a.application === application);
    const agent = app?.template.agent;
    if (app === undefined || agent === null || agent === undefined)
      throw new RangeError(
        `agent scenario ${spec.kind}: ${tenant_id}/${application} is not an agent application of this world`,
      );
    const durationMs = spec.durationMs ?? DEFAULT_AGENT_SCENARIO_MS;
    const startMs = spec.startMs ?? cursor;
    if (spec.startMs === undefined) cursor = startMs + durationMs + AGENT_SCENARIO_GAP_MS;
    const share = spec.share ?? (spec.kind === 'unseen_tool' ? 0.3 : 0.5);
    if (!(share > 0 && share <= 1))
      throw new RangeError(`agent scenario ${spec.kind}: share must be in (0, 1]`);
    const toolName = spec.tool ?? 'shell_exec';
    if (spec.kind === 'unseen_tool' && agent.tools.some((t) => t.name === toolName))
      throw new RangeError(`agent scenario unseen_tool: ${agent.name} already calls ${toolName}`);
    return Object.freeze({
      id: `${spec.kind}#${index}`,
      kind: spec.kind,
      tenant_id,
      application,
      environment: 'production',
      agent: agent.name,
      startMs,
      endMs: startMs + durationMs,
      share,
      loopCalls: Math.max(1, Math.round(spec.loopCalls ?? 10)),
      runawaySteps: Math.max(2, Math.round(spec.runawaySteps ?? 28)),
      tool:
        spec.kind === 'unseen_tool'
          ? Object.freeze({ name: toolName, medianMs: 120, sigma: 0.5, errorRate: 0.02 })
          : null,
    });
  });
}
