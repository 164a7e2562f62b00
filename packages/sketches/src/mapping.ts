import { DDSketch } from '@datadog/sketches-js';

/**
 * The logarithmic index mapping of DDSketch (value ↔ bin key) for one relative accuracy, taken from
 * @datadog/sketches-js so that keys are bit-for-bit those of the library. Mappings are immutable, so
 * one instance per accuracy is shared by every sketch (a sketch then costs no mapping object).
 */
export type IndexMapping = DDSketch['mapping'];

const mappings = new Map<number, IndexMapping>();

export function mappingFor(relativeAccuracy: number): IndexMapping {
  let mapping = mappings.get(relativeAccuracy);
  if (mapping === undefined) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
      throw new RangeError(`relative accuracy must be in (0, 1); got ${relativeAccuracy}`);
    }
    mapping = new DDSketch({ relativeAccuracy }).mapping;
    mappings.set(relativeAccuracy, mapping);
  }
  return mapping;
}

/** The relative accuracy a gamma stands for: gamma = (1 + α) / (1 − α). */
export function accuracyFromGamma(gamma: number): number {
  return (gamma - 1) / (gamma + 1);
}
