import type { Channel, ConfirmChannel, Options } from 'amqplib'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { brokerUnavailable } from '../errors.js'
import { startOutboxRelay } from '../events/relay.js'
import type { EventBus, QueueStats, Stopper } from './bus.js'
import type { BusSettings } from './config.js'
import { openAmqpConnection, type AmqpConnection } from './rabbit-connection.js'
import { startRabbitConsumer } from './rabbit-consumer.js'
import { createRabbitPublisher } from './rabbit-publisher.js'
import { topologyNames } from './topology.js'

export interface RabbitBusOptions {
  url: string
  /** Names the connections in the broker (rabbitmqctl list_connections). */
  name: string
  settings: BusSettings
  log: Logger
  registry: Registry
  /**
   * Every consumer queue with its patterns (all services', not only this
   * process's): declared with the exchanges before this process publishes,
   * so an event published before its consumer ever started waits in its queue.
   */
  queues?: readonly { queue: string; patterns: readonly string[] }[]
  /** How long an operation that needs the broker now (queue stats, a replay) waits for the connection. */
  operationTimeoutMs?: number
  /**
   * How long creating the bus waits for the first connection (default 10 s; it
   * fails after). 0: not at all, the services' way: a process starts without
   * the broker and connects when it comes.
   */
  waitForConnectionMs?: number
}

/**
 * The RabbitMQ adapter. Publishers and consumers use separate connections, as
 * RabbitMQ advises: when the broker blocks a publishing connection (memory or
 * disk alarm) the consumers keep acknowledging. The connections come up in
 * the background and come back by themselves (with back-off): relays publish
 * once they are up, consumers attach when they are, and ping() (readiness)
 * says whether they are.
 */
export async function createRabbitBus(o: RabbitBusOptions): Promise<EventBus> {
  const names = topologyNames(o.settings)
  const connOptions = { heartbeatSeconds: o.settings.heartbeatSeconds, log: o.log, registry: o.registry }
  const consume = openAmqpConnection(o.url, { name: `${o.name}:consume`, ...connOptions })
  let publish: AmqpConnection | undefined
  const publishConnection = () => (publish ??= openAmqpConnection(o.url, { name: `${o.name}:publish`, ...connOptions }))
  const stoppers = new Set<Stopper>()
  const track = (stop: Stopper): Stopper => {
    const once = async () => {
      if (stoppers.delete(once)) await stop()
    }
    stoppers.add(once)
    return once
  }

  const operationTimeoutMs = o.operationTimeoutMs ?? 10_000
  const waitMs = o.waitForConnectionMs ?? 10_000
  if (waitMs > 0) {
    try {
      await consume.ready({ timeoutMs: waitMs })
    } catch (err) {
      await consume.close()
      throw err
    }
  }

  /** A short-lived channel for one operation; a broker error on it (404) closes only it. */
  const withChannel = async <T>(conn: AmqpConnection, fn: (ch: Channel) => Promise<T>): Promise<T> => {
    const c = await conn.ready({ timeoutMs: operationTimeoutMs })
    if (!c) throw brokerUnavailable('no broker connection')
    const ch = await c.createChannel()
    ch.on('error', () => {})
    try {
      return await fn(ch)
    } finally {
      await ch.close().catch(() => {})
    }
  }

  const depth = async (queue: string): Promise<{ messageCount: number; consumerCount: number }> => {
    try {
      return await withChannel(consume, (ch) => ch.checkQueue(queue))
    } catch (err) {
      if ((err as { code?: number }).code === 404) return { messageCount: 0, consumerCount: 0 }
      throw err
    }
  }

  return {
    kind: 'rabbitmq',

    async startRelay(db, schema) {
      const publisher = createRabbitPublisher(publishConnection(), {
        topology: { settings: o.settings, queues: o.queues ?? [] },
        exchange: o.settings.exchange,
        appId: schema,
        confirmTimeoutMs: o.settings.confirmTimeoutMs,
        log: o.log.child({ outbox: schema }),
      })
      const stopRelay = startOutboxRelay({
        db,
        schema,
        publisher,
        log: o.log,
        registry: o.registry,
        pollMs: o.settings.pollMs,
        batchSize: o.settings.batchSize,
        retry: o.settings.retry,
      })
      return track(async () => {
        await stopRelay()
        await publisher.close()
      })
    },

    async subscribe(sub) {
      return track(await startRabbitConsumer(consume, sub, { settings: o.settings, log: o.log, registry: o.registry }))
    },

    async queueStats(queue): Promise<QueueStats> {
      const [main, dead] = await Promise.all([depth(names.queue(queue)), depth(names.deadLetterQueue(queue))])
      return { queue, ready: main.messageCount, consumers: main.consumerCount, deadLetters: dead.messageCount }
    },

    async replayDeadLetters(queue) {
      const conn = await publishConnection().ready({ writable: true, timeoutMs: operationTimeoutMs })
      const ch = await conn!.createConfirmChannel()
      ch.on('error', () => {})
      try {
        return await moveDeadLetters(ch, names.deadLetterQueue(queue), names.queue(queue))
      } finally {
        await ch.close().catch(() => {})
      }
    },

    async ping() {
      if (!consume.current()) throw brokerUnavailable('no broker connection')
    },

    async close() {
      for (const stop of [...stoppers]) await stop()
      await consume.close()
      await publish?.close()
    },
  }
}

const DEATH_HEADERS = /^x-(death|first-death-.*|last-death-.*|delivery-count)$/

/**
 * Moves the messages now in `from` to the queue `to` (through the default
 * exchange, so only that consumer gets them again), each acked in `from` only
 * after the broker confirmed it in `to`. Bounded by the count at the start, so
 * a message that dies again at once is not replayed in a loop.
 */
async function moveDeadLetters(ch: ConfirmChannel, from: string, to: string): Promise<number> {
  const { messageCount } = await ch.checkQueue(from)
  let moved = 0
  const returned = new Set<string>()
  ch.on('return', (m) => returned.add(String(m.properties.messageId)))
  for (let i = 0; i < messageCount; i++) {
    const msg = await ch.get(from, { noAck: false })
    if (!msg) break
    const p = msg.properties
    const headers = Object.fromEntries(Object.entries(p.headers ?? {}).filter(([k]) => !DEATH_HEADERS.test(k)))
    const options: Options.Publish = {
      persistent: true,
      mandatory: true,
      headers: { ...headers, 'x-replayed-at': new Date().toISOString() },
      ...(p.messageId ? { messageId: p.messageId } : {}),
      ...(p.type ? { type: p.type } : {}),
      ...(p.contentType ? { contentType: p.contentType } : {}),
      ...(p.timestamp ? { timestamp: p.timestamp } : {}),
      ...(p.appId ? { appId: p.appId } : {}),
    }
    await new Promise<void>((resolve, reject) => {
      ch.publish('', to, msg.content, options, (err: Error | null) => (err ? reject(err) : resolve()))
    })
    if (returned.has(String(p.messageId))) {
      ch.nack(msg, false, true)
      throw brokerUnavailable(`queue ${to} does not exist; dead letters left in ${from}`)
    }
    ch.ack(msg)
    moved++
  }
  return moved
}
