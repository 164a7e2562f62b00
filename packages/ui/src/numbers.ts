/** A ClickHouse JSONEachRow number (UInt64 arrives as a string, 0/0 as NaN or null) → number | null. */
export function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}
