import { createHash, randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { Logger } from 'pino'
import type { Metrics } from '../metrics.js'
import type { Cache } from './cache.js'

/** A serialized answer and its validator, ready to send or to answer 304. */
export interface CachedBody {
  body: string
  etag: string
}

export interface ReadThrough {
  /**
   * The cached answer for (namespace, key), or load() serialized and cached for ttlSeconds.
   * One load per key at a time in this process; a ttl of 0 bypasses the cache.
   */
  get(namespace: string, key: string, ttlSeconds: number, load: () => Promise<unknown>): Promise<CachedBody>
  /** Makes every entry of the namespaces unreachable, here and in every other instance. */
  invalidate(...namespaces: string[]): Promise<void>
  /** Drops some entries of the namespace's current generation (failures are logged: the TTL bounds them). */
  invalidateKeys(namespace: string, keys: readonly string[]): Promise<void>
  /**
   * Lookups per namespace. 'shop': every instance's, added up in the shared cache
   * (each adds its own at most STATS_FLUSH_MS after they happen, and before it
   * answers this), since the first was added. 'instance': the shared figures could
   * not be read; this process's since it started (cache_requests_total's counts).
   */
  stats(): Promise<CacheStats>
}

export type LookupResult = 'hit' | 'miss' | 'bypass' | 'error'

export interface CacheStats {
  scope: 'shop' | 'instance'
  since: string
  namespaces: Record<string, Record<LookupResult, number>>
}

/** How often a process adds its lookups to the shared figures (on a lookup, never on a timer). */
export const STATS_FLUSH_MS = 10_000
/** Where the shared figures are kept: counters named namespace|result, and when the first was added. */
const STATS_KEY = 'stats:lookups'
const STATS_SINCE_KEY = 'stats:lookups-since'
const RESULTS: readonly string[] = ['hit', 'miss', 'bypass', 'error'] satisfies LookupResult[]

/** Adds n lookups of a namespace with a result to the figures (a result we do not know is left out). */
function tally(namespaces: CacheStats['namespaces'], namespace: string, result: string, n: number) {
  if (!RESULTS.includes(result)) return
  ;(namespaces[namespace] ??= { hit: 0, miss: 0, bypass: 0, error: 0 })[result as LookupResult] += n
}

export function toCachedBody(value: unknown): CachedBody {
  const body = JSON.stringify(value)
  return { body, etag: etagOf(body) }
}

export function etagOf(body: string): string {
  // Weak: compression in front of us changes the bytes, not the meaning.
  return `W/"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`
}

/** Where a namespace's current generation is kept; every key of the namespace embeds it. */
const genKey = (namespace: string) => `gen:${namespace}`

const BREAKER_THRESHOLD = 5
const BREAKER_OPEN_MS = 5000
const INVALIDATE_RETRY_MS = 1000

/** The copy of an entry this process holds, and the generation it was read under. */
interface LocalCopy extends CachedBody {
  generation: string
}

/**
 * Read-through cache over the Cache port. Invalidation is by generation: every
 * key embeds its namespace's current generation (a random token kept in the cache
 * itself, so all instances see a change at once); invalidating sets a new token.
 * The cache fails open: after repeated errors a breaker skips it for a while and
 * answers come straight from the loader (PostgreSQL).
 *
 * With a shared cache (Redis), localMaxBytes > 0 keeps copies of the answers in
 * this process too. A copy is never trusted on its own: every read still asks the
 * shared cache, in the same one round trip, whether the entry under the current
 * generation is still the copy (its ETag, a hash of the body); only then does the
 * body not travel. So a local copy is served exactly when the shared entry would
 * have been: no staleness beyond the shared cache's own (none after a write returns).
 */
export function createReadThrough(cache: Cache, deps: { metrics: Metrics; log: Logger; localMaxBytes?: number }): ReadThrough {
  const inflight = new Map<string, Promise<CachedBody>>()
  const localMax = cache.kind === 'memory' ? 0 : (deps.localMaxBytes ?? 0)
  const local =
    localMax > 0
      ? new LRUCache<string, LocalCopy>({ maxSize: localMax, sizeCalculation: (v, k) => v.body.length + v.etag.length + k.length + 64 })
      : undefined
  // Namespaces whose invalidation has not reached the cache yet: bypass them meanwhile.
  const pendingInvalidation = new Set<string>()
  let failures = 0
  let openUntil = 0

  const breakerOpen = () => Date.now() < openUntil
  const recordFailure = (err: unknown) => {
    failures++
    if (failures >= BREAKER_THRESHOLD && !breakerOpen()) {
      openUntil = Date.now() + BREAKER_OPEN_MS
      deps.log.warn({ err }, 'cache unavailable: reading through to the database for %d ms', BREAKER_OPEN_MS)
    }
  }
  const recordSuccess = () => {
    failures = 0
  }

  async function loadAndStore(fullKey: string, ttlSeconds: number, load: () => Promise<unknown>): Promise<CachedBody> {
    const entry = toCachedBody(await load())
    try {
      await cache.set(fullKey, `${entry.etag}\n${entry.body}`, ttlSeconds)
      recordSuccess()
    } catch (err) {
      recordFailure(err)
    }
    return entry
  }

  function keepLocal(localKey: string, generation: string, entry: CachedBody) {
    if (local && entry.body.length <= localMax / 8) local.set(localKey, { ...entry, generation })
  }

  // Label children resolved once: this runs on every catalog request.
  const counters = new Map<string, { inc(): void }>()
  const since = new Date().toISOString()
  // Lookups not yet added to the shared figures, by namespace|result.
  let unshared: Record<string, number> = {}
  let sharedAt = Date.now()
  const count = {
    inc(labels: { cache: string; result: LookupResult }) {
      const id = `${labels.cache}\u0000${labels.result}`
      let c = counters.get(id)
      if (!c) counters.set(id, (c = deps.metrics.cacheRequests.labels(labels)))
      c.inc()
      const field = `${labels.cache}|${labels.result}`
      unshared[field] = (unshared[field] ?? 0) + 1
      if (Date.now() - sharedAt >= STATS_FLUSH_MS) void share().catch(() => {})
    },
  }

  /** Adds this process's lookups since the last time to the shared figures; on failure they wait for the next time. */
  async function share(): Promise<void> {
    sharedAt = Date.now()
    const deltas = unshared
    unshared = {}
    if (Object.keys(deltas).length === 0) return
    try {
      await cache.setPersistentIfAbsent(STATS_SINCE_KEY, new Date().toISOString())
      await cache.addCounters(STATS_KEY, deltas)
    } catch (err) {
      for (const [field, n] of Object.entries(deltas)) unshared[field] = (unshared[field] ?? 0) + n
      deps.log.debug({ err }, 'cache: could not add the lookups to the shared figures')
      throw err
    }
  }

  async function sharedStats(): Promise<CacheStats> {
    await share()
    const [counted, first] = await Promise.all([cache.readCounters(STATS_KEY), cache.get(STATS_SINCE_KEY)])
    const namespaces: CacheStats['namespaces'] = {}
    for (const [field, n] of Object.entries(counted)) {
      const at = field.lastIndexOf('|')
      tally(namespaces, field.slice(0, at), field.slice(at + 1), n)
    }
    return { scope: 'shop', since: first ?? since, namespaces }
  }

  async function instanceStats(): Promise<CacheStats> {
    const namespaces: CacheStats['namespaces'] = {}
    for (const { labels, value } of (await deps.metrics.cacheRequests.get()).values) tally(namespaces, String(labels.cache), String(labels.result), value)
    return { scope: 'instance', since, namespaces }
  }

  async function get(namespace: string, key: string, ttlSeconds: number, load: () => Promise<unknown>): Promise<CachedBody> {
    if (ttlSeconds <= 0 || breakerOpen() || pendingInvalidation.has(namespace)) {
      count.inc({ cache: namespace, result: 'bypass' })
      return toCachedBody(await load())
    }
    let fullKey: string
    let generation: string
    const localKey = `${namespace}:${key}`
    try {
      const copy = local?.get(localKey)
      const found = await cache.getIndirect(genKey(namespace), `${namespace}:`, `:${key}`, copy && { pointer: copy.generation, head: `${copy.etag}\n` })
      recordSuccess()
      if (found.unchanged && copy) {
        count.inc({ cache: namespace, result: 'hit' })
        return copy
      }
      if (found.value !== undefined) {
        const nl = found.value.indexOf('\n')
        count.inc({ cache: namespace, result: 'hit' })
        const entry = { etag: found.value.slice(0, nl), body: found.value.slice(nl + 1) }
        keepLocal(localKey, found.pointer!, entry)
        return entry
      }
      generation = found.pointer ?? (await cache.setPersistentIfAbsent(genKey(namespace), randomUUID()))
      fullKey = `${namespace}:${generation}:${key}`
    } catch (err) {
      recordFailure(err)
      count.inc({ cache: namespace, result: 'error' })
      return toCachedBody(await load())
    }
    count.inc({ cache: namespace, result: 'miss' })
    let p = inflight.get(fullKey)
    if (!p) {
      p = loadAndStore(fullKey, ttlSeconds, load).finally(() => inflight.delete(fullKey))
      inflight.set(fullKey, p)
      if (local) void p.then((entry) => keepLocal(localKey, generation, entry), () => {})
    }
    return p
  }

  async function invalidateOne(namespace: string): Promise<void> {
    try {
      await cache.setPersistent(genKey(namespace), randomUUID())
      pendingInvalidation.delete(namespace)
    } catch (err) {
      // The write has committed; keep trying so no instance serves the old entries for long.
      if (!pendingInvalidation.has(namespace)) {
        deps.log.error({ err, namespace }, 'cache invalidation failed; retrying')
        pendingInvalidation.add(namespace)
      }
      setTimeout(() => void invalidateOne(namespace), INVALIDATE_RETRY_MS).unref()
    }
  }

  return {
    get,
    async stats() {
      try {
        return await sharedStats()
      } catch (err) {
        deps.log.warn({ err }, 'cache: the shared lookup figures cannot be read; answering with this instance’s')
        return instanceStats()
      }
    },
    async invalidate(...namespaces) {
      await Promise.all(namespaces.map(invalidateOne))
    },
    async invalidateKeys(namespace, keys) {
      const drop = async () => {
        try {
          const generation = await cache.get(genKey(namespace))
          if (generation !== undefined) await cache.del(keys.map((k) => `${namespace}:${generation}:${k}`))
        } catch (err) {
          deps.log.warn({ err, namespace }, 'could not drop cache entries')
        }
      }
      await drop()
      // A reader that loaded before the write may store its old copy just after the
      // first delete; the second one, a moment later, removes it.
      setTimeout(() => void drop(), 1000).unref()
    },
  }
}
