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
   * round trip: a generation and the entry of that generation.
   */
  getIndirect(pointerKey: string, keyPrefix: string, keySuffix: string): Promise<{ pointer?: string; value?: string }>
  ping(): Promise<void>
  close(): Promise<void>
}
