/** A small key-value state store, the shape of Kafka Streams' KeyValueStore, in memory. */
export interface KeyValueStore<K, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  delete(key: K): boolean;
  size(): number;
  entries(): IterableIterator<[K, V]>;
}

export class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly map = new Map<K, V>();
  get(key: K): V | undefined {
    return this.map.get(key);
  }
  put(key: K, value: V): void {
    this.map.set(key, value);
  }
  delete(key: K): boolean {
    return this.map.delete(key);
  }
  size(): number {
    return this.map.size;
  }
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
