import { describe, expect, it } from 'vitest';
import { change, compareWeeks, renderWeeklyReportHtml } from '../src/report.js';

const week = 7 * 86_400_000;
const toMs = Date.UTC(2026, 11, 7);
const row = (application: string, overrides: Record<string, unknown> = {}) => ({
  application,
  events: '1000',
  errors: '10',
  p95_ms: 800,
  cost_usd: 12.5,
  input_tokens: '50000',
  output_tokens: '20000',
  quality_mean: 0.8,
  feedback_positive: '40',
  feedback_total: '50',
  ...overrides,
});

describe('weekly report', () => {
  it('compares this week with last week per application, better and worse by metric', () => {
    const report = compareWeeks({
      thisWeek: { fromMs: toMs - week, toMs },
      lastWeek: { fromMs: toMs - 2 * week, toMs: toMs - week },
      tenant: null,
      current: [row('chat', { errors: '5', p95_ms: 1000 }), row('search')],
      previous: [row('chat'), row('legacy')],
    });
    expect(report.applications.map((a) => a.application)).toEqual(['chat', 'legacy', 'search']);
    const chat = report.applications[0];
    expect(chat?.thisWeek?.error_rate).toBe(0.005);
    expect(chat?.lastWeek?.error_rate).toBe(0.01);
    expect(chat?.thisWeek?.tokens).toBe(70_000);
    expect(report.applications[1]?.thisWeek).toBeNull();
    expect(change(0.005, 0.01)).toBe(-0.5);
    expect(change(1, 0)).toBeNull();

    const html = renderWeeklyReportHtml(report, toMs);
    expect(html).toContain('2026-11-30 – 2026-12-06');
    // error rate halved: better (green); p95 up 25 %: worse (red)
    expect(html).toContain(
      '<td class="better"><b>0.50 %</b><br><small>last week 1.00 % (-50.0 %)</small></td>',
    );
    expect(html).toContain(
      '<td class="worse"><b>1000 ms</b><br><small>last week 800 ms (+25.0 %)</small></td>',
    );
    expect(html).toContain('no data last week');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3)/);
  });

  it('escapes names and explains an empty report', () => {
    const empty = compareWeeks({
      thisWeek: { fromMs: 0, toMs: week },
      lastWeek: { fromMs: -week, toMs: 0 },
      tenant: '<b>',
      current: [],
      previous: [],
    });
    const html = renderWeeklyReportHtml(empty, 0);
    expect(html).toContain('tenant &#60;b&#62;');
    expect(html).toContain('npm run demo');
  });
});
