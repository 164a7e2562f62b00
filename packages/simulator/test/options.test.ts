import { describe, expect, it } from 'vitest';
import { parseDuration, parseRate, parseScenarioKinds, parseSpeed, SCENARIO_KINDS } from '../src/index.js';

describe('option parsers', () => {
  it('reads durations', () => {
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('90min')).toBe(5_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('0.5h')).toBe(1_800_000);
    expect(parseDuration('60000')).toBe(60_000);
    for (const bad of ['', 'h', '2 hours', '2h x', '-1h', '0m', 'abc'])
      expect(() => parseDuration(bad)).toThrow(RangeError);
  });

  it('reads rates as events per minute', () => {
    expect(parseRate('600/min')).toBe(600);
    expect(parseRate('600/m')).toBe(600);
    expect(parseRate('10/s')).toBe(600);
    expect(parseRate('36000/h')).toBe(600);
    expect(parseRate('250')).toBe(250);
    for (const bad of ['', 'fast', '10/day', '0/min', '-5']) expect(() => parseRate(bad)).toThrow(RangeError);
  });

  it('reads speeds', () => {
    expect(parseSpeed('max')).toBe(Number.POSITIVE_INFINITY);
    expect(parseSpeed('60')).toBe(60);
    expect(parseSpeed('60x')).toBe(60);
    expect(parseSpeed('0.5')).toBe(0.5);
    for (const bad of ['', '0', 'fast', '-1']) expect(() => parseSpeed(bad)).toThrow(RangeError);
  });

  it('reads scenario lists', () => {
    expect(parseScenarioKinds('all')).toEqual([...SCENARIO_KINDS]);
    expect(parseScenarioKinds('none')).toEqual([]);
    expect(parseScenarioKinds('latency_spike, cost_runaway')).toEqual(['latency_spike', 'cost_runaway']);
    expect(() => parseScenarioKinds('latency_spike,meteor')).toThrow(/meteor/);
  });
});
