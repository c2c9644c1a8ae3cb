import { Redis } from 'ioredis'

/**
 * One ioredis client with every safety setting explicit (defaults change across
 * majors): a command that cannot be sent fails at once instead of queueing, and
 * a command the server does not answer fails after commandTimeoutMs, so callers
 * can fail open or closed by policy instead of hanging.
 */
export async function createRedis(url: string, options: { name: string; commandTimeoutMs?: number }): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName: options.name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 5000,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
  })
  // Errors surface on the commands themselves; without a listener they would crash the process.
  redis.on('error', () => {})
  await redis.connect()
  return redis
}

/**
 * An ioredis failure that says Redis is away, not that a command was wrong: not
 * connected (no offline queue), no answer in commandTimeout, the connection
 * closed under the command, out of retries.
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  return err.name === 'MaxRetriesPerRequestError' || /^(Stream isn't writeable|Command timed out|Connection is closed)/.test(err.message)
}

/**
 * A store on Redis whose outages become the owner's declared 503 (with
 * Retry-After) instead of a 500: the client did nothing wrong and may retry.
 * Every method of the store is wrapped; other errors pass unchanged.
 */
export function redisOutagesAs<T extends object>(store: T, unavailable: () => Error): T {
  const wrapped = Object.entries(store).map(([name, value]) => {
    if (typeof value !== 'function') return [name, value]
    const method = value as (...args: unknown[]) => Promise<unknown>
    return [
      name,
      async (...args: unknown[]) => {
        try {
          return await method.apply(store, args)
        } catch (err) {
          if (!isRedisUnavailable(err)) throw err
          // The client's answer says only "try again"; the log gets why (pino serializes the cause).
          throw Object.assign(unavailable(), { cause: err })
        }
      },
    ]
  })
  return Object.fromEntries(wrapped) as T
}
