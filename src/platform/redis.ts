import { Redis, ReplyError } from 'ioredis'

/**
 * One ioredis client with every safety setting explicit (defaults change across
 * majors): a command that cannot be sent fails at once instead of queueing, and
 * a command the server does not answer fails after commandTimeoutMs
 * (REDIS_COMMAND_TIMEOUT_MS), so callers can fail open or closed by policy
 * instead of hanging.
 */
export async function createRedis(url: string, options: { name: string; commandTimeoutMs: number }): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName: options.name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 5000,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
  })
  // Errors surface on the commands themselves; without a listener they would crash the process.
  redis.on('error', () => {})
  await redis.connect()
  return redis
}

// The server is there but cannot serve now (loading its data, a script running, a failover).
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY|OOM) /
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'])

/**
 * Whether an error is Redis being unreachable, stalled or busy: a dependency's
 * problem, answered 503 with Retry-After (server.ts), never a bug's 500. A reply
 * error that is not transient (a wrong type, a script error) is a bug.
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err instanceof ReplyError) return TRANSIENT_REPLY.test(err.message)
  if (err.name === 'MaxRetriesPerRequestError') return true
  if (CONNECTION_CODES.has((err as NodeJS.ErrnoException).code ?? '')) return true
  return /^(Command timed out|Connection is closed|Stream isn't writeable)/.test(err.message)
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
