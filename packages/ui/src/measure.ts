/**
 * Timing the dashboard's endpoints, for the browser test and bench/ui: each path asked `requests` times in
 * a row on a running server, its answer read in full; a non-200 answer is an error.
 */

export interface EndpointTiming {
  readonly path: string;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

/** A series' label columns (as window_aggregates and alerts name them) → the series page's parameters. */
export function seriesParams(
  row: Readonly<Record<string, string | null | undefined>>,
): Record<string, string> {
  return {
    tenant: row.tenant_id ?? '',
    application: row.application ?? '',
    environment: row.environment ?? '',
    provider: row.provider ?? '',
    model: row.model ?? '',
    operation: row.operation ?? '',
  };
}

export async function timeEndpoints(
  baseUrl: string,
  paths: readonly string[],
  requests: number,
): Promise<EndpointTiming[]> {
  const out: EndpointTiming[] = [];
  for (const path of paths) {
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const started = performance.now();
      const response = await fetch(new URL(path, baseUrl));
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
    out.push({ path, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: times[times.length - 1] ?? 0 });
  }
  return out;
}
