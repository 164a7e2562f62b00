/**
 * A binary min-heap of items by (key, insertion order): the simulator's reorder buffer. Generated requests
 * push their events (whose times lie ahead of the generation frontier); the simulation pops every event
 * whose key is behind the frontier, which yields them in key order.
 */
export class TimeQueue<T> {
  private keys: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peekKey(): number {
    return this.items.length === 0 ? Number.POSITIVE_INFINITY : this.keys[0]!;
  }

  push(key: number, item: T): void {
    const keys = this.keys;
    const seqs = this.seqs;
    const items = this.items;
    const seq = this.seq++;
    let i = items.length;
    keys.push(key);
    seqs.push(seq);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent]!;
      if (pk < key || (pk === key && seqs[parent]! < seq)) break;
      keys[i] = pk;
      seqs[i] = seqs[parent]!;
      items[i] = items[parent]!;
      i = parent;
    }
    keys[i] = key;
    seqs[i] = seq;
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const n = items.length;
    if (n === 0) return undefined;
    const keys = this.keys;
    const seqs = this.seqs;
    const top = items[0]!;
    const lastKey = keys.pop()!;
    const lastSeq = seqs.pop()!;
    const lastItem = items.pop()!;
    const size = n - 1;
    if (size === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (right < size) {
        const lk = keys[left]!;
        const rk = keys[right]!;
        if (rk < lk || (rk === lk && seqs[right]! < seqs[left]!)) child = right;
      }
      const ck = keys[child]!;
      if (lastKey < ck || (lastKey === ck && lastSeq < seqs[child]!)) break;
      keys[i] = ck;
      seqs[i] = seqs[child]!;
      items[i] = items[child]!;
      i = child;
    }
    keys[i] = lastKey;
    seqs[i] = lastSeq;
    items[i] = lastItem;
    return top;
  }
}
