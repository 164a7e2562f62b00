import { Rng } from '@aiops/core';

export interface DiurnalOptions {
  /** Relative swing around the daily mean: the rate goes from (1 − a) at the trough to (1 + a) at the peak. */
  readonly amplitude: number;
  /** UTC hour of the daily peak (the trough is 12 h later). */
  readonly peakHourUtc: number;
  /** Log-space standard deviation of the minute-to-minute traffic noise (an AR(1) process); 0 for none. */
  readonly noiseSigma: number;
}

export const DEFAULT_DIURNAL: DiurnalOptions = Object.freeze({
  amplitude: 0.45,
  peakHourUtc: 15,
  noiseSigma: 0.08,
});

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The deterministic part of the rate at event time `tMs`, relative to the daily mean (averages 1 over a day). */
export function diurnalFactor(
  tMs: number,
  options: Pick<DiurnalOptions, 'amplitude' | 'peakHourUtc'>,
): number {
  const phase = ((tMs - options.peakHourUtc * HOUR_MS) % DAY_MS) / DAY_MS;
  return 1 + options.amplitude * Math.cos(2 * Math.PI * phase);
}

/**
 * Minute-to-minute multiplicative noise, mean 1: exp(x − σ²/2) with x an AR(1) process of stationary
 * standard deviation σ and lag-1 correlation 0.9, so bursts last a few minutes rather than one.
 */
export class TrafficNoise {
  private readonly rng: Rng;
  private x: number;
  private readonly innovation: number;

  constructor(
    seed: number,
    private readonly sigma: number,
    private readonly phi = 0.9,
  ) {
    this.rng = new Rng(seed);
    this.innovation = sigma * Math.sqrt(1 - phi * phi);
    this.x = sigma * this.rng.normal();
  }

  /** The factor for the next minute. */
  next(): number {
    if (this.sigma === 0) return 1;
    const value = Math.exp(this.x - (this.sigma * this.sigma) / 2);
    this.x = this.phi * this.x + this.innovation * this.rng.normal();
    return value;
  }
}
