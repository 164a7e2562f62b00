import type { SeriesScorerOptions } from '@aiops/detectors';

/**
 * Option sets the 2-fold split chooses from (besides the run's own): records only, no shape view, the
 * likelihood layer's weight and average around the defaults, a heavier shape view.
 */
export const TWO_FOLD_CANDIDATES: readonly Partial<SeriesScorerOptions>[] = [
  { likelihoodWeight: 0, shapeWeight: 0 },
  { shapeWeight: 0 },
  { likelihoodWeight: 0.008 },
  { likelihoodWeight: 0.015 },
  { likelihoodWeight: 0.01, likelihood: { average: 10, history: 2000, learning: 300, minRelSigma: 0.05 } },
  { shapeWeight: 0.02 },
];
