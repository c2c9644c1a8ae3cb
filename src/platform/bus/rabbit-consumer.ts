import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { eventMetrics } from '../events/event-metrics.js'
import { isPermanent, retryDelay, sleep, type Stopper, type Subscription } from './bus.js'
import type { BusSettings } from './config.js'
import type { AmqpConnection } from './rabbit-connection.js'
import { declareConsumerQueue } from './topology.js'

export interface RabbitConsumerOptions {
  settings: BusSettings
  log: Logger
  registry: Registry
  /** How long stop() waits for deliveries being handled. */
  drainMs?: number
}

/**
 * Consumes a subscription's quorum queue on its own channel, set up again after
 * every reconnect. A delivery is acked only after the handler resolved (after
 * its transaction committed). A failed one is held for a back-off delay, then
 * nacked with requeue: the queue counts it (x-delivery-count) and dead-letters
 * it past the delivery limit. The delay holds one prefetch slot, so other
 * deliveries keep flowing and a poison message makes no hot loop. A permanent
 * failure is nacked without requeue: dead-lettered at once.
 */
export async function startRabbitConsumer(connection: AmqpConnection, sub: Subscription, o: RabbitConsumerOptions): Promise<Stopper> {
  const log = o.log.child({ queue: sub.queue })
  const metrics = eventMetrics(o.registry)
  const stopping = new AbortController()
  const inflight = new Set<Promise<void>>()
  let current: { ch: Channel; conn: ChannelModel; tag?: string; closed: boolean } | undefined
  let setupFailures = 0

  const settle = (state: typeof current, fn: (ch: Channel) => void) => {
    // A delivery tag is only valid on its own channel; after a reconnect the broker redelivers anyway.
    if (state && state === current && !state.closed) {
      try {
        fn(state.ch)
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'ack/nack on a closing channel')
      }
    }
  }

  const handleOne = async (state: NonNullable<typeof current>, msg: ConsumeMessage) => {
    const deliveryCount = Number(msg.properties.headers?.['x-delivery-count'] ?? 0)
    const text = msg.content.toString('utf8')
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // Not JSON: the handler sees the text and refuses it as malformed.
    }
    try {
      await sub.handle({ body, deliveryCount, ...(typeof msg.properties.messageId === 'string' ? { messageId: msg.properties.messageId } : {}) })
      settle(state, (ch) => ch.ack(msg))
    } catch (err) {
      if (isPermanent(err) || deliveryCount >= o.settings.deliveryLimit) {
        metrics.consumed.inc({ queue: sub.queue, result: 'dead_lettered' })
        log.error({ messageId: msg.properties.messageId, deliveryCount, err: (err as Error).message }, 'event dead-lettered')
        // Past the limit the broker dead-letters the requeue itself; without requeue it does so at once.
        settle(state, (ch) => ch.nack(msg, false, !isPermanent(err)))
        return
      }
      metrics.consumed.inc({ queue: sub.queue, result: 'retried' })
      await sleep(retryDelay(deliveryCount, o.settings.retry), stopping.signal)
      settle(state, (ch) => ch.nack(msg, false, true))
    }
  }

  const setup = async (conn: ChannelModel) => {
    if (stopping.signal.aborted || (current && current.conn === conn && !current.closed)) return
    const ch = await conn.createChannel()
    const state: NonNullable<typeof current> = { ch, conn, closed: false }
    current = state
    ch.on('error', (err: Error) => log.warn({ err: err.message }, 'consumer channel error'))
    ch.on('close', () => {
      state.closed = true
      // Closed by the broker while the connection lives (queue deleted, a declaration refused): set up again.
      if (!stopping.signal.aborted && current === state && connection.current() === conn) retrySetup(conn)
    })
    const queueName = await declareConsumerQueue(ch, o.settings, sub.queue, sub.patterns)
    await ch.prefetch(sub.prefetch ?? o.settings.prefetch)
    const { consumerTag } = await ch.consume(
      queueName,
      (msg) => {
        if (!msg) return // cancelled by the broker; the channel close that follows sets us up again
        const p = handleOne(state, msg).catch((err: unknown) => log.error({ err }, 'delivery handling crashed'))
        inflight.add(p)
        void p.finally(() => inflight.delete(p))
      },
      { noAck: false },
    )
    state.tag = consumerTag
    setupFailures = 0
    log.info({ queueName }, 'consuming')
  }

  const retrySetup = (conn: ChannelModel) => {
    void (async () => {
      while (!stopping.signal.aborted && connection.current() === conn) {
        try {
          await setup(conn)
          return
        } catch (err) {
          const delay = retryDelay(setupFailures++, { baseMs: 500, maxMs: 30_000 })
          log.error({ err: (err as Error).message, retryInMs: delay }, 'consumer setup failed')
          await sleep(delay, stopping.signal)
        }
      }
    })()
  }

  const unlisten = connection.onConnect((conn) => retrySetup(conn))
  const conn = connection.current()
  // When the broker is away now, the next connection sets the consumer up.
  if (conn) {
    try {
      await setup(conn)
    } catch (err) {
      stopping.abort()
      unlisten()
      if (current && !current.closed) await current.ch.close().catch(() => {})
      throw err
    }
  }

  return async () => {
    stopping.abort()
    unlisten()
    const state = current
    if (state && !state.closed && state.tag) await state.ch.cancel(state.tag).catch(() => {})
    // Let deliveries being handled finish and ack; those waiting out a retry delay are nacked now.
    await Promise.race([Promise.allSettled([...inflight]), sleep(o.drainMs ?? 5000)])
    if (state && !state.closed) await state.ch.close().catch(() => {})
    current = undefined
  }
}
