import type { Queryable } from '../../platform/db/db.js'
import { ORDER_COLUMNS, type OrderRow } from './order-store.js'
import type { OrderStatus } from './state-machine.js'

/** The SQL of order lists (a customer's, or the admin's with filters): keyset pages, newest first. */

export interface OrderListQuery {
  userId?: string
  customerEmail?: string
  /** The first 8 hex digits of the id (lower case): the order number people see. */
  number?: string
  status?: OrderStatus
  /** Statuses left out of the list (a customer's list leaves out orders never placed). */
  hidden?: readonly OrderStatus[]
  limit: number
  /** Keyset: [created_at in microseconds, id]. */
  after?: { createdUs: number; id: string }
}

export async function listOrders(q: Queryable, query: OrderListQuery): Promise<(OrderRow & { created_us: number })[]> {
  const params: unknown[] = []
  const p = (v: unknown) => {
    params.push(v)
    return `$${params.length}`
  }
  const where: string[] = []
  if (query.userId !== undefined) where.push(`user_id = ${p(query.userId)}`)
  if (query.customerEmail !== undefined) where.push(`customer_email = ${p(query.customerEmail)}`)
  // A range of the primary key: the ids that start with the number.
  if (query.number !== undefined) where.push(`id between ${p(`${query.number}-0000-0000-0000-000000000000`)}::uuid and ${p(`${query.number}-ffff-ffff-ffff-ffffffffffff`)}::uuid`)
  if (query.status !== undefined) where.push(`status = ${p(query.status)}`)
  if (query.hidden?.length) where.push(`status <> all(${p(query.hidden)}::text[])`)
  if (query.after) {
    where.push(`(created_at, id) < (timestamptz 'epoch' + ${p(query.after.createdUs)}::bigint * interval '1 microsecond', ${p(query.after.id)}::uuid)`)
  }
  const { rows } = await q.query<OrderRow & { created_us: number }>(
    `select ${ORDER_COLUMNS}, (extract(epoch from created_at) * 1000000)::bigint as created_us
     from orders.orders ${where.length ? `where ${where.join(' and ')}` : ''}
     order by created_at desc, id desc limit ${p(query.limit)}`,
    params,
  )
  return rows
}
