import amqp, { type ChannelModel } from 'amqplib'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { brokerUnavailable } from '../errors.js'
import { eventMetrics } from '../events/event-metrics.js'
import { retryDelay, sleep } from './bus.js'

/**
 * One AMQP connection that comes back by itself: when the broker closes it
 * (restart, `stop_app`, network) it reconnects with exponential back-off and
 * jitter, and calls the onConnect listeners again so channels, topology and
 * consumers are set up anew. It also tracks connection.blocked: the broker
 * stops reading from a publishing connection while a memory or disk alarm is on.
 */
export interface AmqpConnection {
  readonly name: string
  current(): ChannelModel | undefined
  isBlocked(): boolean
  /** The open connection; with writable, also not blocked. Undefined when the signal aborts first. */
  ready(options?: { writable?: boolean; signal?: AbortSignal; timeoutMs?: number }): Promise<ChannelModel | undefined>
  onConnect(listener: (conn: ChannelModel) => void): () => void
  close(): Promise<void>
}

export interface AmqpConnectionOptions {
  name: string
  heartbeatSeconds: number
  log: Logger
  registry: Registry
}

export function openAmqpConnection(url: string, o: AmqpConnectionOptions): AmqpConnection {
  const log = o.log.child({ amqp: o.name })
  const gauges = eventMetrics(o.registry)
  const target = new URL(url)
  target.searchParams.set('heartbeat', String(o.heartbeatSeconds))
  let conn: ChannelModel | undefined
  let blocked = false
  const closing = new AbortController()
  const waiters = new Set<() => void>()
  const listeners = new Set<(conn: ChannelModel) => void>()
  const changed = () => {
    gauges.brokerConnected.set({ connection: o.name }, conn ? 1 : 0)
    gauges.brokerBlocked.set({ connection: o.name }, blocked ? 1 : 0)
    for (const wake of [...waiters]) wake()
  }

  let loop: Promise<void> | undefined
  const reconnect = () => {
    loop ??= (async () => {
      for (let attempt = 0; !conn && !closing.signal.aborted; attempt++) {
        try {
          const c = await amqp.connect(target.toString(), { timeout: 5000, clientProperties: { connection_name: o.name } })
          if (closing.signal.aborted) {
            await c.close().catch(() => {})
            break
          }
          adopt(c)
          if (attempt > 0) log.info({ attempts: attempt + 1 }, 'broker connection restored')
        } catch (err) {
          const delay = retryDelay(attempt, { baseMs: 250, maxMs: 3000 })
          log[attempt === 0 ? 'warn' : 'debug']({ err: (err as Error).message, retryInMs: delay }, 'broker unreachable')
          await sleep(delay, closing.signal)
        }
      }
    })().finally(() => {
      loop = undefined
    })
  }

  const adopt = (c: ChannelModel) => {
    conn = c
    blocked = false
    c.on('error', (err: Error) => log.warn({ err: err.message }, 'broker connection error'))
    c.on('close', () => {
      if (conn !== c) return
      conn = undefined
      blocked = false
      changed()
      if (!closing.signal.aborted) {
        log.warn('broker connection lost; reconnecting')
        reconnect()
      }
    })
    c.on('blocked', (reason: string) => {
      blocked = true
      log.warn({ reason }, 'broker blocks publishing')
      changed()
    })
    c.on('unblocked', () => {
      blocked = false
      log.info('broker unblocked publishing')
      changed()
    })
    changed()
    for (const l of listeners) l(c)
  }

  reconnect()

  return {
    name: o.name,
    current: () => conn,
    isBlocked: () => blocked,
    async ready(options = {}) {
      const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs
      for (;;) {
        if (closing.signal.aborted) throw brokerUnavailable('broker connection closed')
        if (conn && !(options.writable && blocked)) return conn
        if (options.signal?.aborted) return undefined
        const left = deadline === undefined ? undefined : deadline - Date.now()
        if (left !== undefined && left <= 0) throw brokerUnavailable(`no broker connection within ${options.timeoutMs} ms`)
        await new Promise<void>((resolve) => {
          const timer = left === undefined ? undefined : setTimeout(wake, left)
          function wake() {
            clearTimeout(timer)
            waiters.delete(wake)
            options.signal?.removeEventListener('abort', wake)
            resolve()
          }
          waiters.add(wake)
          options.signal?.addEventListener('abort', wake, { once: true })
        })
      }
    },
    onConnect(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      closing.abort()
      const c = conn
      conn = undefined
      changed()
      await loop
      if (c) await c.close().catch(() => {})
    },
  }
}
