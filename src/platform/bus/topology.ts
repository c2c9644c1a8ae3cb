import type { Channel } from 'amqplib'
import type { BusSettings } from './config.js'

/**
 * The RabbitMQ topology, in one place:
 *
 *   <exchange>            topic, durable; routing key = event type
 *   <prefix><queue>       quorum queue per consuming service, bound to its patterns;
 *                         x-delivery-limit explicit, dead letters at-least-once to:
 *   <exchange>.dlx        direct, durable; routing key = the source queue's name
 *   <prefix><queue>.dlq   quorum queue holding that queue's dead letters
 */
export function topologyNames(s: Pick<BusSettings, 'exchange' | 'queuePrefix'>) {
  return {
    exchange: s.exchange,
    deadLetterExchange: `${s.exchange}.dlx`,
    queue: (name: string) => `${s.queuePrefix}${name}`,
    deadLetterQueue: (name: string) => `${s.queuePrefix}${name}.dlq`,
  }
}

/**
 * The arguments of a consumer queue. Queue arguments cannot change once the
 * queue exists (declaring it with others fails with PRECONDITION_FAILED); to
 * change the delivery limit of a live queue use a policy (`delivery-limit`).
 */
export function consumerQueueArguments(s: Pick<BusSettings, 'exchange' | 'queuePrefix' | 'deliveryLimit'>, queue: string) {
  const names = topologyNames(s)
  return {
    'x-queue-type': 'quorum',
    // RabbitMQ 3.10 has no default: without it a poison message is redelivered forever.
    'x-delivery-limit': s.deliveryLimit,
    'x-dead-letter-exchange': names.deadLetterExchange,
    'x-dead-letter-routing-key': names.queue(queue),
    // At-least-once dead-lettering (3.10+) moves a dead letter with confirms;
    // it requires overflow reject-publish, otherwise RabbitMQ falls back to at-most-once.
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  }
}

export async function declareExchange(ch: Channel, s: Pick<BusSettings, 'exchange'>): Promise<void> {
  await ch.assertExchange(s.exchange, 'topic', { durable: true })
}

/** Declares (idempotently) the exchanges, a consumer's queue with its bindings, and its dead-letter queue. */
export async function declareConsumerQueue(
  ch: Channel,
  s: Pick<BusSettings, 'exchange' | 'queuePrefix' | 'deliveryLimit'>,
  queue: string,
  patterns: readonly string[],
): Promise<string> {
  const names = topologyNames(s)
  await declareExchange(ch, s)
  await ch.assertExchange(names.deadLetterExchange, 'direct', { durable: true })
  await ch.assertQueue(names.deadLetterQueue(queue), { durable: true, arguments: { 'x-queue-type': 'quorum' } })
  await ch.bindQueue(names.deadLetterQueue(queue), names.deadLetterExchange, names.queue(queue))
  await ch.assertQueue(names.queue(queue), { durable: true, arguments: consumerQueueArguments(s, queue) })
  for (const pattern of patterns) await ch.bindQueue(names.queue(queue), names.exchange, pattern)
  return names.queue(queue)
}

/**
 * The exchanges and every consumer queue with its bindings and dead-letter
 * queue, idempotently. Publishers run it before their first publish, whatever
 * order the services start in (issue: an event published before its consumer
 * first started was routed to no queue of it, and lost for it).
 */
export async function declareTopology(
  ch: Channel,
  s: Pick<BusSettings, 'exchange' | 'queuePrefix' | 'deliveryLimit'>,
  queues: readonly { queue: string; patterns: readonly string[] }[],
): Promise<void> {
  await declareExchange(ch, s)
  for (const q of queues) await declareConsumerQueue(ch, s, q.queue, q.patterns)
}
