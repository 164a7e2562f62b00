export type { QuantileSketchOptions } from './quantile-sketch.js';
export { DEFAULT_RELATIVE_ACCURACY, QuantileSketch } from './quantile-sketch.js';
export { ScoreHistogram } from './score-histogram.js';
