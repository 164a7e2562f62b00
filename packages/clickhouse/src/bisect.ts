/** An item the destination refused for good, with the error it gave for that item alone. */
export interface Rejected<T> {
  readonly item: T;
  readonly error: unknown;
}

/**
 * Finds the items a destination refuses by bisection: `write` the whole list; when it is refused, write
 * each half, and so on down to single items. One bad item among n costs about 2·log2(n) requests (a
 * good half and a bad half per level), where writing item by item costs n; k bad items cost
 * O(k·log n). Every item not returned has been written (some of them possibly twice, if a request both
 * failed and was applied; the destination must absorb duplicates).
 *
 * `isRejection(error)` says whether a failure is about the items. Any other failure (an outage, a
 * configuration error) is thrown as it is, and the caller decides what to do with the whole list.
 */
export async function isolateRejected<T>(
  items: readonly T[],
  write: (items: readonly T[]) => Promise<void>,
  isRejection: (error: unknown) => boolean,
): Promise<Rejected<T>[]> {
  if (items.length === 0) return [];
  try {
    await write(items);
    return [];
  } catch (error) {
    if (!isRejection(error)) throw error;
    if (items.length === 1) return [{ item: items[0]!, error }];
  }
  const middle = Math.ceil(items.length / 2);
  const left = await isolateRejected(items.slice(0, middle), write, isRejection);
  const right = await isolateRejected(items.slice(middle), write, isRejection);
  return [...left, ...right];
}
