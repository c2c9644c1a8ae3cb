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
