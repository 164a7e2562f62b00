// The dashboard's front end: plain DOM and uPlot, bundled by esbuild at build time (src/bundle.ts). Pages
// are hash routes; every number comes from the server's JSON API (no credentials here).
import uPlot from 'uplot';

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read field by field where it is drawn
type Json = Record<string, any>;
type Child = Node | string | null | undefined | false;

const page = document.getElementById('page') as HTMLElement;
const controls = document.getElementById('controls') as HTMLElement;
const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const REFRESH_MS = 10_000;
let refreshTimer: number | undefined;
let charts: uPlot[] = [];

function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children)
    if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

function utcOffset(): string {
  const minutes = -new Date().getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const fmtTime = (s: number | null) =>
  s === null ? '—' : new Date(s * 1000).toLocaleString(undefined, { hour12: false });
const fmtNum = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined
    ? '—'
    : v.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
const fmtPct = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${(v * 100).toFixed(2)} %`;
const fmtMs = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v)} ms`);
const fmtUsd = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `$${v.toFixed(2)}`);

async function api(path: string, params: Record<string, string | undefined> = {}): Promise<Json> {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, v);
  const response = await fetch(`${path}${query.size ? `?${query}` : ''}`);
  const body = (await response.json()) as Json;
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

// --- shared state: time range and tenant, kept in the hash's query -------------------------------------
function hashParams(): URLSearchParams {
  return new URLSearchParams(location.hash.split('?')[1] ?? '');
}
function routeName(): string {
  return (location.hash.split('?')[0] ?? '').replace(/^#\/?/, '') || 'overview';
}
function go(route: string, params: Record<string, string | undefined>): void {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, v);
  location.hash = `#/${route}${query.size ? `?${query}` : ''}`;
}
function rangeParams(p = hashParams()): Record<string, string | undefined> {
  const range = p.get('range') ?? '24h';
  return range === 'custom'
    ? { range, from: p.get('from') ?? undefined, to: p.get('to') ?? undefined }
    : { range };
}

async function renderControls(withTenant: boolean): Promise<void> {
  const p = hashParams();
  const range = el('select', { id: 'range' });
  for (const r of ['1h', '24h', '7d', 'custom']) {
    const option = el('option', { value: r }, r === 'custom' ? 'custom…' : `last ${r}`) as HTMLOptionElement;
    option.selected = (p.get('range') ?? '24h') === r;
    range.append(option);
  }
  const toLocal = (ms: string | null) =>
    ms ? new Date(Number(ms) - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16) : '';
  const from = el('input', {
    type: 'datetime-local',
    id: 'from',
    value: toLocal(p.get('from')),
  }) as HTMLInputElement;
  const to = el('input', {
    type: 'datetime-local',
    id: 'to',
    value: toLocal(p.get('to')),
  }) as HTMLInputElement;
  const custom = el('span', {}, ' from ', from, ' to ', to);
  custom.hidden = (p.get('range') ?? '24h') !== 'custom';
  const tenant = el(
    'select',
    { id: 'tenant' },
    el('option', { value: '' }, 'all tenants'),
  ) as HTMLSelectElement;
  const apply = () => {
    const next: Record<string, string | undefined> = Object.fromEntries(hashParams());
    next.range = (range as HTMLSelectElement).value;
    next.from = next.range === 'custom' && from.value ? String(new Date(from.value).getTime()) : undefined;
    next.to = next.range === 'custom' && to.value ? String(new Date(to.value).getTime()) : undefined;
    next.tenant = tenant.value || undefined;
    if (next.range === 'custom' && (!next.from || !next.to)) {
      custom.hidden = false;
      return;
    }
    go(routeName(), next);
  };
  range.addEventListener('change', apply);
  from.addEventListener('change', apply);
  to.addEventListener('change', apply);
  tenant.addEventListener('change', apply);
  controls.replaceChildren(el('label', {}, 'time range ', range), custom);
  if (withTenant) {
    controls.append(el('label', {}, 'tenant ', tenant));
    try {
      const { tenants } = await api('/api/tenants');
      for (const t of tenants as string[]) {
        const option = el('option', { value: t }, t) as HTMLOptionElement;
        option.selected = p.get('tenant') === t;
        tenant.append(option);
      }
    } catch {
      // the page itself shows the error
    }
  }
}

// --- charts --------------------------------------------------------------------------------------------
interface Marker {
  readonly from: number;
  readonly to: number | null;
  readonly label: string;
}

const MARKER_FILL = 'rgba(207, 34, 46, 0.18)';
const MARKER_LINE = 'rgb(207, 34, 46)';

/** Alert spans (firing → resolved) shaded behind the lines, a solid line where each fired. */
function markersPlugin(markers: readonly Marker[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u: uPlot) => {
        const ctx = u.ctx;
        const { left, top, width, height } = u.bbox;
        ctx.save();
        for (const m of markers) {
          const x0 = Math.max(left, u.valToPos(m.from, 'x', true));
          const x1 = Math.min(left + width, u.valToPos(m.to ?? u.scales.x?.max ?? 0, 'x', true));
          if (x1 < left || x0 > left + width) continue;
          ctx.fillStyle = MARKER_FILL;
          ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
          ctx.fillStyle = MARKER_LINE;
          ctx.fillRect(x0 - 1, top, 3, height);
        }
        ctx.restore();
      },
      // Where the markers landed (CSS px: the plot's left edge, then x from it), for people reading the
      // DOM and for the browser tests; written after each draw, when the scales are known.
      draw: (u: uPlot) => {
        u.ctx.canvas.dataset.markers = JSON.stringify(
          markers.map((m) => ({
            from: m.from,
            x: u.valToPos(m.from, 'x'),
            x_to: u.valToPos(m.to ?? u.scales.x?.max ?? m.from, 'x'),
            left: u.bbox.left / devicePixelRatio,
            label: m.label,
          })),
        );
        u.ctx.canvas.dataset.points = String(u.data[0]?.length ?? 0);
      },
    },
  };
}

function chart(
  title: string,
  times: number[],
  series: { label: string; values: (number | null)[]; stroke: string; fill?: string }[],
  markers: readonly Marker[] = [],
  id = '',
): HTMLElement {
  const box = el('div', { class: 'chart', 'data-chart': id || title });
  const width = Math.min(1100, Math.max(480, page.clientWidth - 40));
  const plot = new uPlot(
    {
      title,
      width,
      height: 220,
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          fill: s.fill,
          width: 1.5,
          spanGaps: false,
        })),
      ],
      axes: [{}, { size: 60 }],
      plugins: [markersPlugin(markers)],
    },
    [times, ...series.map((s) => s.values)] as uPlot.AlignedData,
    box,
  );
  charts.push(plot);
  return box;
}

/** Each alert as a marker: shaded from firing to resolved (to the chart's end while it fires). */
function alertMarkers(alerts: readonly Json[]): Marker[] {
  return alerts.map((a) => ({ from: a.fired_s, to: a.resolved_s, label: a.detector }));
}

/** A series' error-rate and cost charts over its windows, with the alert markers. */
function errorAndCostCharts(w: readonly Json[], markers: readonly Marker[], idPrefix: string): HTMLElement[] {
  const times = w.map((r) => r.t as number);
  const errorRate = w.map((r) => (r.events ? r.errors / r.events : null));
  return [
    chart(
      'error rate',
      times,
      [{ label: 'error rate', values: errorRate, stroke: '#cf222e' }],
      markers,
      `${idPrefix}errors`,
    ),
    chart(
      'cost per window (USD)',
      times,
      [{ label: 'cost', values: w.map((r) => r.usd), stroke: '#8250df' }],
      markers,
      `${idPrefix}cost`,
    ),
  ];
}

// --- pages ---------------------------------------------------------------------------------------------
function emptyState(what: string): HTMLElement {
  return el(
    'div',
    { class: 'empty', 'data-empty': what },
    `No ${what} in this time range yet. Run `,
    el('code', {}, 'npm run demo'),
    ' to see simulated traffic, or point your exporter (SDK, Kafka producer, OpenTelemetry) at the pipeline: raw topic ',
    el('code', {}, 'aiops.telemetry.raw.v1'),
    ' or the otlp-receiver. Or choose a longer time range.',
  );
}

function incidentLink(i: Json): HTMLElement {
  return el('a', { href: `#/incident?id=${encodeURIComponent(i.incident_id)}` }, i.title || i.incident_id);
}

async function overview(): Promise<void> {
  const p = hashParams();
  const data = await api('/api/overview', { ...rangeParams(p), tenant: p.get('tenant') ?? undefined });
  const t = data.totals;
  const open = data.open_incidents as Json[];
  const openBox = open.length
    ? el(
        'div',
        { class: 'incidents-open', id: 'open-incidents' },
        el('b', {}, `${open.length} open incident(s): `),
        ...open.flatMap((i) => [el('span', { class: 'firing' }, `[${i.severity}] `), incidentLink(i), ' ']),
      )
    : el('div', { id: 'open-incidents' }, el('small', {}, 'No open incidents.'));
  const card = (key: string, label: string, value: string) =>
    el('div', { class: 'card', 'data-total': key }, el('b', {}, value), el('small', {}, label));
  const nodes: Child[] = [
    openBox,
    el(
      'div',
      { class: 'cards' },
      card('events', 'events', fmtNum(t.events)),
      card('events_per_min', 'events / min', fmtNum(t.events_per_min, 1)),
      card('error_rate', 'error rate', fmtPct(t.error_rate)),
      card('cost_per_hour', 'cost / hour', fmtUsd(t.cost_per_hour)),
      card('tokens', 'tokens (in + out)', fmtNum(t.input_tokens + t.output_tokens)),
    ),
  ];
  if (t.events === 0) {
    nodes.push(emptyState('events'));
    page.replaceChildren(...(nodes.filter(Boolean) as Node[]));
    return;
  }
  const tl = data.timeline as Json[];
  const times = tl.map((r) => r.t as number);
  const scores = new Map<string, string>();
  for (const s of data.scores as Json[]) {
    const key = `${s.application}\u0000${s.model}`;
    scores.set(key, `${scores.get(key) ? `${scores.get(key)}, ` : ''}${s.evaluator} ${fmtNum(s.mean, 3)}`);
  }
  const head = [
    'application',
    'model',
    'events/min',
    'error rate',
    'p50',
    'p95',
    'TTFT p50',
    'TTFT p95',
    'cost/hour',
    'tokens',
    'mean scores',
  ];
  const rows = (data.groups as Json[]).map((g) =>
    el(
      'tr',
      {},
      el('td', {}, g.application),
      el('td', { class: 'text' }, g.model),
      el('td', {}, fmtNum(g.events_per_min, 1)),
      el('td', {}, fmtPct(g.error_rate)),
      el('td', {}, fmtMs(g.p50_ms)),
      el('td', {}, fmtMs(g.p95_ms)),
      el('td', {}, fmtMs(g.ttft_p50_ms)),
      el('td', {}, fmtMs(g.ttft_p95_ms)),
      el('td', {}, fmtUsd(g.cost_per_hour)),
      el('td', {}, fmtNum(g.input_tokens + g.output_tokens)),
      el('td', { class: 'text' }, scores.get(`${g.application}\u0000${g.model}`) ?? '—'),
    ),
  );
  nodes.push(
    chart(
      'events and errors per bucket',
      times,
      [
        { label: 'events', values: tl.map((r) => r.events), stroke: '#0969da', fill: 'rgba(9,105,218,0.08)' },
        { label: 'errors', values: tl.map((r) => r.errors), stroke: '#cf222e' },
      ],
      [],
      'traffic',
    ),
    chart(
      'cost per bucket (USD)',
      times,
      [{ label: 'cost', values: tl.map((r) => r.cost_usd), stroke: '#8250df' }],
      [],
      'cost',
    ),
    el('h3', {}, 'Per application and model'),
    el('table', { id: 'groups' }, el('tr', {}, ...head.map((h) => el('th', {}, h))), ...rows),
    el(
      'p',
      {},
      el(
        'small',
        {},
        'Quantiles over several windows: mean of the window quantiles weighted by window size.',
      ),
    ),
  );
  page.replaceChildren(...(nodes.filter(Boolean) as Node[]));
}

const SERIES_KEYS = ['tenant', 'application', 'environment', 'provider', 'model', 'operation'] as const;

async function seriesPage(): Promise<void> {
  const p = hashParams();
  const list = await api('/api/series', { ...rangeParams(p), tenant: p.get('tenant') ?? undefined });
  const chosen = SERIES_KEYS.every((k) => p.get(k));
  const picker = el(
    'select',
    { id: 'series-picker' },
    el('option', { value: '' }, 'choose a series…'),
  ) as HTMLSelectElement;
  for (const s of list.series as Json[]) {
    const labels = {
      tenant: s.tenant_id,
      application: s.application,
      environment: s.environment,
      provider: s.provider,
      model: s.model,
      operation: s.operation,
    };
    const option = el(
      'option',
      { value: JSON.stringify(labels) },
      `${SERIES_KEYS.map((k) => labels[k]).join(' / ')} (${s.events} events)`,
    ) as HTMLOptionElement;
    option.selected = chosen && SERIES_KEYS.every((k) => p.get(k) === labels[k]);
    picker.append(option);
  }
  picker.addEventListener('change', () => {
    if (!picker.value) return;
    go('series', { ...rangeParams(), tenant: p.get('tenant') ?? undefined, ...JSON.parse(picker.value) });
  });
  if (!chosen) {
    page.replaceChildren(
      el('p', {}, 'Series: ', picker),
      (list.series as Json[]).length
        ? el('p', {}, 'Pick one series to see its windows and alerts.')
        : emptyState('series'),
    );
    return;
  }
  const labels = Object.fromEntries(SERIES_KEYS.map((k) => [k, p.get(k) ?? ''])) as Record<string, string>;
  const data = await api('/api/series/windows', { ...rangeParams(p), ...labels });
  const w = data.windows as Json[];
  const alerts = data.alerts as Json[];
  const markers = alertMarkers(alerts);
  const times = w.map((r) => r.t as number);
  const baseline = times.map((t) => {
    const a = alerts.find(
      (x) => x.fired_s <= t && (x.resolved_s === null || t <= x.resolved_s) && x.detector.includes('latency'),
    );
    return a ? a.expected : null;
  });
  const alertRows = alerts.map((a) =>
    el(
      'tr',
      { 'data-alert': a.alert_id, 'data-fired-at': String(a.fired_s) },
      el('td', { class: 'text' }, a.detector),
      el('td', { class: a.resolved_s === null ? 'firing' : '' }, a.severity),
      el('td', {}, fmtTime(a.fired_s)),
      el('td', {}, a.resolved_s === null ? 'firing' : fmtTime(a.resolved_s)),
      el('td', {}, fmtNum(a.observed, 2)),
      el('td', {}, fmtNum(a.expected, 2)),
      el('td', { class: 'text' }, a.summary),
    ),
  );
  page.replaceChildren(
    el('p', {}, 'Series: ', picker),
    w.length === 0 ? emptyState('windows for this series') : el('span'),
    chart(
      'latency (ms): p50, p95, p99; alerts shaded firing → resolved',
      times,
      [
        { label: 'p50', values: w.map((r) => r.p50_ms), stroke: '#1a7f37' },
        { label: 'p95', values: w.map((r) => r.p95_ms), stroke: '#0969da', fill: 'rgba(9,105,218,0.08)' },
        { label: 'p99', values: w.map((r) => r.p99_ms), stroke: '#9a6700' },
        { label: 'detector baseline', values: baseline, stroke: '#57606a' },
      ],
      markers,
      'latency',
    ),
    ...errorAndCostCharts(w, markers, ''),
    chart(
      'mean evaluator score',
      times,
      [{ label: 'quality', values: w.map((r) => r.quality), stroke: '#bf3989' }],
      markers,
      'quality',
    ),
    el('h3', {}, `Alerts on this series (${alerts.length})`),
    el(
      'table',
      { id: 'series-alerts' },
      el(
        'tr',
        {},
        ...['detector', 'severity', 'fired', 'resolved', 'observed', 'baseline', 'summary'].map((h) =>
          el('th', {}, h),
        ),
      ),
      ...alertRows,
    ),
  );
}

async function incidentsPage(): Promise<void> {
  const p = hashParams();
  const status = el('select', { id: 'status' }) as HTMLSelectElement;
  for (const s of ['all', 'firing', 'resolved'])
    status.append(new Option(s, s, false, (p.get('status') ?? 'all') === s));
  const severity = el('select', { id: 'severity' }) as HTMLSelectElement;
  for (const s of ['all', 'critical', 'warning', 'info'])
    severity.append(new Option(s, s, false, (p.get('severity') ?? 'all') === s));
  const apply = () =>
    go('incidents', { ...Object.fromEntries(hashParams()), status: status.value, severity: severity.value });
  status.addEventListener('change', apply);
  severity.addEventListener('change', apply);
  const data = await api('/api/incidents', {
    ...rangeParams(p),
    status: p.get('status') ?? undefined,
    severity: p.get('severity') ?? undefined,
  });
  const list = data.incidents as Json[];
  const rows = list.map((i) =>
    el(
      'tr',
      { 'data-incident': i.incident_id },
      el('td', {}, incidentLink(i)),
      el('td', { class: i.status === 'firing' ? 'firing' : '' }, i.status),
      el('td', {}, i.severity),
      el('td', {}, fmtTime(i.opened_at_ms / 1000)),
      el('td', {}, fmtTime(i.resolved_s)),
      el('td', {}, String(i.member_alert_ids.length)),
      el('td', { class: 'text' }, i.acknowledged_by ?? '—'),
      el('td', { class: 'text' }, i.receiver),
    ),
  );
  page.replaceChildren(
    el('p', {}, el('label', {}, 'status ', status), ' ', el('label', {}, 'severity ', severity)),
    list.length === 0
      ? el(
          'div',
          { class: 'empty', 'data-empty': 'incidents' },
          'No incidents in this range. The notifier opens one when the detector fires (aiops run notifier); try a longer range.',
        )
      : el(
          'table',
          { id: 'incidents' },
          el(
            'tr',
            {},
            ...[
              'incident',
              'status',
              'severity',
              'opened',
              'resolved',
              'alerts',
              'acknowledged by',
              'receiver',
            ].map((h) => el('th', {}, h)),
          ),
          ...rows,
        ),
  );
}

async function incidentPage(): Promise<void> {
  const id = hashParams().get('id') ?? '';
  const [meta, data] = await Promise.all([api('/api/meta'), api(`/api/incidents/${encodeURIComponent(id)}`)]);
  const i = data.incident as Json;
  const alerts = data.alerts as Json[];
  const who = el('input', { id: 'ack-by', placeholder: 'your name' }) as HTMLInputElement;
  const note = el('input', { id: 'ack-note', placeholder: 'note (optional)' }) as HTMLInputElement;
  const result = el('span', { id: 'ack-result' });
  const button = el('button', { id: 'ack' }, 'Acknowledge') as HTMLButtonElement;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const response = await fetch(`/api/incidents/${encodeURIComponent(id)}/ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ by: who.value, ...(note.value ? { note: note.value } : {}) }),
      });
      const body = (await response.json()) as Json;
      result.textContent = response.ok
        ? `acknowledged by ${body.by} (recorded in the audit log)`
        : `refused: ${body.error}`;
    } finally {
      button.disabled = false;
    }
  });
  const seriesLink = (a: Json) => {
    const from = (a.fired_s - 3600) * 1000;
    const to = ((a.resolved_s ?? a.fired_s) + 3600) * 1000;
    const q = new URLSearchParams({
      range: 'custom',
      from: String(from),
      to: String(Math.min(to, Date.now())),
    });
    for (const k of SERIES_KEYS) if (a[k]) q.set(k, a[k]);
    return SERIES_KEYS.every((k) => a[k]) ? el('a', { href: `#/series?${q}` }, 'windows') : '—';
  };
  page.replaceChildren(
    el('h2', {}, i.title),
    el(
      'p',
      {},
      `${i.status} · ${i.severity} · opened ${fmtTime(i.opened_at_ms / 1000)} · resolved ${fmtTime(i.resolved_s)} · acknowledged by ${i.acknowledged_by ?? '—'} · owner ${i.owner ?? '—'}`,
    ),
    el('p', {}, i.summary),
    i.status !== 'resolved' && meta.can_acknowledge
      ? el('p', {}, who, ' ', note, ' ', button, ' ', result)
      : el(
          'p',
          {},
          el(
            'small',
            {},
            i.status === 'resolved'
              ? 'Resolved: nothing to acknowledge.'
              : 'Acknowledging needs Kafka (start aiops ui with KAFKA_BROKERS).',
          ),
        ),
    el('h3', {}, `Member alerts (${alerts.length})`),
    el(
      'table',
      { id: 'members' },
      el(
        'tr',
        {},
        ...['detector', 'severity', 'series', 'fired', 'resolved', 'summary', ''].map((h) => el('th', {}, h)),
      ),
      ...alerts.map((a) =>
        el(
          'tr',
          {},
          el('td', {}, a.detector),
          el('td', {}, a.severity),
          el('td', { class: 'text' }, [a.application, a.model, a.operation].filter(Boolean).join(' / ')),
          el('td', {}, fmtTime(a.fired_s)),
          el('td', {}, fmtTime(a.resolved_s)),
          el('td', { class: 'text' }, a.summary),
          el('td', {}, seriesLink(a)),
        ),
      ),
    ),
  );
  // The windows of the first member alert's series, around the incident, with every member's marker; for
  // an incident of group-level alerts only (cost is judged per application), the application's series
  // summed per window.
  const first =
    alerts.find((a) => SERIES_KEYS.every((k) => a[k])) ?? alerts.find((a) => a.tenant && a.application);
  if (first) {
    const from = (Math.min(...alerts.map((a) => a.fired_s)) - 3600) * 1000;
    const end = Math.max(...alerts.map((a) => a.resolved_s ?? Date.now() / 1000));
    const to = Math.min(Date.now(), (end + 3600) * 1000);
    const wholeSeries = SERIES_KEYS.every((k) => first[k]);
    const keys = wholeSeries ? SERIES_KEYS : (['tenant', 'application'] as const);
    const labels = Object.fromEntries(keys.map((k) => [k, first[k] as string]));
    const windows = await api(wholeSeries ? '/api/series/windows' : '/api/group/windows', {
      range: 'custom',
      from: String(Math.floor(from)),
      to: String(Math.ceil(to)),
      ...labels,
    });
    const w = windows.windows as Json[];
    const times = w.map((r) => r.t as number);
    const markers = alertMarkers(windows.alerts as Json[]);
    page.append(
      el(
        'h3',
        {},
        `Windows of ${keys.map((k) => labels[k]).join(' / ')}` +
          (wholeSeries ? '' : ' (all series: summed; latency of the slowest)'),
      ),
      chart(
        'latency (ms): p50, p95',
        times,
        [
          { label: 'p50', values: w.map((r) => r.p50_ms), stroke: '#1a7f37' },
          { label: 'p95', values: w.map((r) => r.p95_ms), stroke: '#0969da' },
        ],
        markers,
        'incident-latency',
      ),
      ...errorAndCostCharts(w, markers, 'incident-'),
    );
  }
}

async function promptsPage(): Promise<void> {
  const p = hashParams();
  const data = await api('/api/prompts', { ...rangeParams(p), tenant: p.get('tenant') ?? undefined });
  const versions = data.versions as Json[];
  if (versions.length === 0) {
    page.replaceChildren(emptyState('events with a prompt_name'));
    return;
  }
  const byPrompt = new Map<string, Json[]>();
  for (const v of versions) byPrompt.set(v.prompt_name, [...(byPrompt.get(v.prompt_name) ?? []), v]);
  const nodes: Node[] = [];
  for (const [name, list] of byPrompt) {
    const metric = (label: string, f: (v: Json) => string) =>
      el('tr', {}, el('th', {}, label), ...list.map((v) => el('td', {}, f(v))));
    nodes.push(
      el('h3', {}, name),
      el(
        'table',
        { 'data-prompt': name },
        el('tr', {}, el('th', {}, 'version'), ...list.map((v) => el('th', {}, v.prompt_version || '(none)'))),
        // The prompt monitor's aggregates count LLM calls; raw events count every event of the version.
        metric(data.source === 'events' ? 'events' : 'calls', (v) => fmtNum(v.events)),
        metric('mean score', (v) => fmtNum(v.score_mean, 3)),
        metric('positive feedback', (v) =>
          v.feedback_total ? fmtPct(v.feedback_positive / v.feedback_total) : '—',
        ),
        metric('error rate', (v) => fmtPct(v.events ? v.errors / v.events : null)),
        metric('p50 latency', (v) => fmtMs(v.p50_ms)),
        metric('p95 latency', (v) => fmtMs(v.p95_ms)),
        metric('cost', (v) => fmtUsd(v.usd)),
      ),
    );
  }
  page.replaceChildren(...nodes);
}

async function reportPage(): Promise<void> {
  const tenant = hashParams().get('tenant');
  const src = `/report/week.html${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ''}`;
  page.replaceChildren(
    el(
      'p',
      {},
      'This week against last week, per application. The same HTML ',
      el('code', {}, 'aiops report --week'),
      ' writes: ',
      el('a', { href: src, download: 'aiops-weekly-report.html' }, 'download'),
    ),
    el('iframe', { id: 'report', src, title: 'weekly report' }),
  );
}

const PAGES: Record<
  string,
  { render: () => Promise<void>; tenant: boolean; range: boolean; live?: boolean }
> = {
  overview: { render: overview, tenant: true, range: true, live: true },
  series: { render: seriesPage, tenant: true, range: true },
  incidents: { render: incidentsPage, tenant: false, range: true },
  incident: { render: incidentPage, tenant: false, range: false },
  prompts: { render: promptsPage, tenant: true, range: true },
  report: { render: reportPage, tenant: true, range: false },
};

async function show(): Promise<void> {
  window.clearInterval(refreshTimer);
  const name = routeName();
  const def = PAGES[name] ?? PAGES.overview!;
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('active', a.getAttribute('href') === `#/${name === 'incident' ? 'incidents' : name}`);
  if (def.range) await renderControls(def.tenant);
  else if (def.tenant) {
    await renderControls(true);
    controls.querySelector('label')?.remove();
  } else controls.replaceChildren();
  const draw = async () => {
    try {
      const fresh: uPlot[] = [];
      const old = charts;
      charts = fresh;
      await def.render();
      for (const c of old) c.destroy();
      document.body.dataset.loaded = name;
      document.body.dataset.updatedAt = String(Date.now());
    } catch (error) {
      page.replaceChildren(
        el(
          'div',
          { class: 'error', 'data-error': '' },
          `Could not load this page: ${(error as Error).message}`,
        ),
      );
      document.body.dataset.loaded = name;
    }
  };
  await draw();
  if (def.live) refreshTimer = window.setInterval(() => void draw(), REFRESH_MS);
}

(document.getElementById('tz') as HTMLElement).textContent =
  `times in ${TIME_ZONE} (${utcOffset()})${' · overview refreshes every 10 s'}`;
window.addEventListener('hashchange', () => void show());
void show();
