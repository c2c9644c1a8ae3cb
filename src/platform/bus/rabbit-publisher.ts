import { once } from 'node:events'
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib'
import type { Logger } from 'pino'
import type { EventEnvelope } from '../../contracts/events.js'
import { brokerUnavailable } from '../errors.js'
import type { BatchPublisher, PublishOutcome } from '../events/relay.js'
import type { AmqpConnection } from './rabbit-connection.js'
import type { BusSettings } from './config.js'
import { declareExchange, declareTopology } from './topology.js'

export interface RabbitPublisher extends BatchPublisher {
  close(): Promise<void>
}

interface OpenChannel {
  ch: ConfirmChannel
  conn: ChannelModel
  /** message ids the broker returned (basic.return: no queue bound); a return precedes its ack. */
  returned: Set<string>
  closed: boolean
}

/** The whole topology a publisher declares: every consumer queue of the shop, with the exchanges. */
export interface PublisherTopology {
  settings: Pick<BusSettings, 'exchange' | 'queuePrefix' | 'deliveryLimit'>
  queues: readonly { queue: string; patterns: readonly string[] }[]
}

/** AMQP properties of an event: the id travels as message_id, the type as type and routing key. */
export function eventProperties(event: EventEnvelope, appId: string): Options.Publish {
  return {
    persistent: true,
    mandatory: true,
    messageId: event.id,
    type: event.type,
    contentType: 'application/json',
    timestamp: Math.floor(Date.parse(event.occurredAt) / 1000),
    appId,
    headers: event.traceId ? { 'x-trace-id': event.traceId } : {},
  }
}

/**
 * Publishes batches on one confirm channel: every message `mandatory` and
 * persistent, then waits for the broker's confirms. An event is 'published'
 * only when acked and not returned; when the confirms do not come in time the
 * channel is dropped (late confirms are ignored) and the batch counts as
 * unconfirmed, so its rows stay unpublished and go out again later.
 */
export function createRabbitPublisher(
  connection: AmqpConnection,
  o: { exchange: string; appId: string; confirmTimeoutMs: number; log: Logger; topology?: PublisherTopology },
): RabbitPublisher {
  let open: OpenChannel | undefined

  const channel = async (): Promise<OpenChannel> => {
    const conn = connection.current()
    if (!conn) throw brokerUnavailable('no broker connection')
    if (open && open.conn === conn && !open.closed) return open
    const ch = await conn.createConfirmChannel()
    const state: OpenChannel = { ch, conn, returned: new Set(), closed: false }
    ch.on('error', (err: Error) => o.log.warn({ err: err.message }, 'publish channel error'))
    ch.on('close', () => {
      state.closed = true
    })
    ch.on('return', (msg) => {
      if (typeof msg.properties.messageId === 'string') state.returned.add(msg.properties.messageId)
    })
    // On every new connection, before the first publish: the broker may have lost its
    // definitions, and a queue declared only by its consumer would miss what comes first.
    if (o.topology) await declareTopology(ch, o.topology.settings, o.topology.queues)
    else await declareExchange(ch, { exchange: o.exchange })
    open = state
    return state
  }

  return {
    async whenWritable(signal) {
      await connection.ready({ writable: true, signal }).catch(() => undefined)
    },

    async publish(events) {
      const outcomes = new Map<string, PublishOutcome>()
      const state = await channel()
      const confirms: Promise<void>[] = []
      for (const event of events) {
        let confirmed!: () => void
        const confirm = new Promise<void>((resolve) => (confirmed = resolve))
        let written: boolean
        try {
          written = state.ch.publish(o.exchange, event.type, Buffer.from(JSON.stringify(event)), eventProperties(event, o.appId), (err: Error | null) => {
            if (!outcomes.has(event.id)) {
              const returned = state.returned.delete(event.id)
              outcomes.set(event.id, err ? (err.message === 'message nacked' ? 'nacked' : 'unconfirmed') : returned ? 'unroutable' : 'published')
            }
            confirmed()
          })
        } catch (err) {
          // The channel closed under us: what was not confirmed stays unpublished.
          o.log.warn({ err: (err as Error).message }, 'publish failed')
          break
        }
        confirms.push(confirm)
        if (!written && !state.closed) await Promise.race([once(state.ch, 'drain'), once(state.ch, 'close')])
      }
      let timer: NodeJS.Timeout | undefined
      const timedOut = await Promise.race([
        Promise.all(confirms).then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), o.confirmTimeoutMs))),
      ])
      clearTimeout(timer)
      if (timedOut) {
        o.log.warn({ events: events.length, blocked: connection.isBlocked() }, 'broker did not confirm in time; the batch stays unpublished')
        // Drop the channel: confirms arriving later must not be mistaken for a new batch's.
        if (open === state) open = undefined
        state.closed = true
        state.ch.close().catch(() => {})
      }
      for (const event of events) if (!outcomes.has(event.id)) outcomes.set(event.id, 'unconfirmed')
      return outcomes
    },

    async close() {
      const state = open
      open = undefined
      if (state && !state.closed) await state.ch.close().catch(() => {})
    },
  }
}
