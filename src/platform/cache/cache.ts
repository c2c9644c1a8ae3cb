/** A copy of an entry the caller holds: its pointer and how the value starts. */
export interface KnownEntry {
  pointer: string
  head: string
}

export interface Indirect {
  pointer?: string
  value?: string
  /** The entry is still the one the caller knows (no value sent). */
  unchanged?: true
}

/**
 * The cache port: strings under keys with a TTL. Adapters: in-memory LRU
 * (embedded) and Redis (production). Both pass test/contract/cache.test.ts.
 */
export interface Cache {
  readonly kind: 'memory' | 'redis'
  get(key: string): Promise<string | undefined>
  /** ttlSeconds > 0; the entry disappears after it. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>
  /** Stored without expiry (cache generations); the value is never evicted by the LRU. */
  setPersistent(key: string, value: string): Promise<void>
  /** Stores value only if the key is absent; returns the value now under the key. */
  setPersistentIfAbsent(key: string, value: string): Promise<string>
  del(keys: readonly string[]): Promise<void>
  /**
   * Reads the pointer key, then the key keyPrefix + pointer + keySuffix, in one
   * round trip: a generation and the entry of that generation. With `known` (a
   * copy the caller holds), when the pointer is still known.pointer and the entry
   * still starts with known.head, answers { pointer, unchanged: true } without
   * sending the value.
   */
  getIndirect(pointerKey: string, keyPrefix: string, keySuffix: string, known?: KnownEntry): Promise<Indirect>
  /** Adds each delta to its counter under key (a counter starts at 0), atomically, never expiring: figures every instance adds to. */
  addCounters(key: string, deltas: Readonly<Record<string, number>>): Promise<void>
  /** The counters under key ({} when there are none). */
  readCounters(key: string): Promise<Record<string, number>>
  ping(): Promise<void>
  close(): Promise<void>
}
