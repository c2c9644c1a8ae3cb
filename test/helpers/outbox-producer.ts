import { randomUUID } from 'node:crypto'
import type { EventPayloads } from '../../src/contracts/events.js'
import type { Db, Queryable } from '../../src/platform/db/db.js'
import { inboxDdl } from '../../src/platform/events/inbox.js'
import { appendEvent } from '../../src/platform/events/outbox.js'
import { outboxDdl } from '../../src/platform/events/outbox-store.js'

/**
 * A synthetic producer, standing in for the order service: its own schema with
 * an orders table and an outbox from the template every producer's comes from
 * (outboxDdl), and a placeOrder that writes the order and
 * its `order.placed` event in one transaction.
 */
export async function createTestProducer(db: Db, schema = 'testorders'): Promise<TestProducer> {
  await db.exec(`
    create schema if not exists ${schema};
    create table if not exists ${schema}.orders (id uuid primary key, email text not null, created_at timestamptz not null default now());
    ${outboxDdl(schema)}`)
  return testProducer(db, schema)
}

export interface TestProducer {
  schema: string
  /** Commits an order and its order.placed event; returns the order id and the event id. */
  placeOrder(options?: { email?: string; rollback?: boolean }): Promise<{ orderId: string; eventId: string }>
  /** Commits n orders and their events in one transaction; returns the event ids. */
  placeOrders(n: number): Promise<string[]>
  /** Appends one more event of an existing order (same aggregate). */
  appendOrderEvent<T extends 'order.paid' | 'order.shipped' | 'order.cancelled'>(orderId: string, type: T, payload: EventPayloads[T]): Promise<string>
  /** An outbox row written by hand: a producer with a newer payload version, or a broken one. */
  appendRaw(row: { type: string; aggregateId?: string; version?: number; payload: unknown }): Promise<string>
  counts(): Promise<{ orders: number; unpublished: number; published: number }>
}

export function orderPlacedPayload(orderId: string, email: string): EventPayloads['order.placed'] {
  return {
    orderId,
    userId: randomUUID(),
    customerEmail: email,
    lines: [{ productId: 1, name: 'Walnut desk', quantity: 2, unitPrice: { amount: 12_900, currency: 'EUR' } }],
    total: { amount: 25_800, currency: 'EUR' },
  }
}

class Rollback extends Error {}

export function testProducer(db: Db, schema = 'testorders'): TestProducer {
  return {
    schema,
    async placeOrder(options = {}) {
      const orderId = randomUUID()
      const email = options.email ?? `buyer-${orderId.slice(0, 8)}@example.com`
      let eventId = ''
      try {
        await db.transaction(async (tx: Queryable) => {
          await tx.query(`insert into ${schema}.orders (id, email) values ($1, $2)`, [orderId, email])
          const event = await appendEvent(tx, schema, {
            type: 'order.placed',
            aggregateType: 'order',
            aggregateId: orderId,
            payload: orderPlacedPayload(orderId, email),
            traceId: `trace-${orderId.slice(0, 8)}`,
          })
          eventId = event.id
          if (options.rollback) throw new Rollback()
        })
      } catch (err) {
        if (!(err instanceof Rollback)) throw err
      }
      return { orderId, eventId }
    },
    async placeOrders(n) {
      return db.transaction(async (tx) => {
        const ids: string[] = []
        for (let i = 0; i < n; i++) {
          const orderId = randomUUID()
          const email = `buyer-${orderId.slice(0, 8)}@example.com`
          await tx.query(`insert into ${schema}.orders (id, email) values ($1, $2)`, [orderId, email])
          ids.push((await appendEvent(tx, schema, { type: 'order.placed', aggregateType: 'order', aggregateId: orderId, payload: orderPlacedPayload(orderId, email) })).id)
        }
        return ids
      })
    },
    async appendOrderEvent(orderId, type, payload) {
      return db.transaction(async (tx) => (await appendEvent(tx, schema, { type, aggregateType: 'order', aggregateId: orderId, payload })).id)
    },
    async appendRaw(row) {
      const id = randomUUID()
      await db.query(
        `insert into ${schema}.outbox (id, type, aggregate_type, aggregate_id, version, payload) values ($1, $2, 'order', $3, $4, $5)`,
        [id, row.type, row.aggregateId ?? randomUUID(), row.version ?? 1, JSON.stringify(row.payload)],
      )
      return id
    },
    async counts() {
      const { rows } = await db.query<{ orders: number; unpublished: number; published: number }>(
        `select (select count(*)::int from ${schema}.orders) as orders,
                (select count(*)::int from ${schema}.outbox where published_at is null) as unpublished,
                (select count(*)::int from ${schema}.outbox where published_at is not null) as published`,
      )
      return rows[0]!
    },
  }
}

/** A consuming service's inbox and a table recording every effect, to count effects per event. */
export async function createTestConsumerTables(db: Db, schema = 'testconsumer'): Promise<void> {
  await db.exec(`
    create schema if not exists ${schema};
    ${inboxDdl(schema)}
    create table if not exists ${schema}.effects (event_id uuid not null, type text not null, aggregate_id text not null, at timestamptz not null default clock_timestamp());`)
}

export async function effectCounts(db: Db, schema = 'testconsumer'): Promise<{ effects: number; distinct: number }> {
  const { rows } = await db.query<{ effects: number; distinct: number }>(
    `select count(*)::int as effects, count(distinct event_id)::int as distinct from ${schema}.effects`,
  )
  return rows[0]!
}
