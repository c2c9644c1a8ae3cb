import type { Queryable } from '../../platform/db/db.js'
import { ORDER_STATUSES, TRANSITIONS, type OrderStatus } from './state-machine.js'

/**
 * The admin dashboard's figures (GET /api/orders/stats), in SQL. An order counts
 * as sold from the moment it was paid (checkout pays it); a cancelled one was
 * refunded, so it is left out of revenue. Days are UTC days.
 */

export interface OrderStats {
  today: { orders: number; revenue: { currency: string; amount: number }[] }
  byStatus: Record<OrderStatus, number>
  /** The last `days` UTC days, oldest first, today included; a day without orders is there with 0. */
  daily: { date: string; orders: number }[]
}

export async function orderStats(q: Queryable, days: number): Promise<OrderStats> {
  const cancelled = TRANSITIONS.cancel.to
  const [revenue, statuses, daily] = await Promise.all([
    q.query<{ currency: string; amount: string }>(
      `select currency, sum(total_amount) as amount from orders.orders
        where paid_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc' and status <> $1
        group by currency order by currency`,
      [cancelled],
    ),
    q.query<{ status: OrderStatus; n: string }>('select status, count(*) as n from orders.orders group by status'),
    q.query<{ date: string; orders: string }>(
      `select to_char(day, 'YYYY-MM-DD') as date, count(o.id) as orders
         from generate_series(date_trunc('day', now() at time zone 'utc') - make_interval(days => $1 - 1), date_trunc('day', now() at time zone 'utc'), interval '1 day') as day
         left join orders.orders o on o.paid_at >= day at time zone 'utc' and o.paid_at < (day + interval '1 day') at time zone 'utc'
        group by day order by day`,
      [days],
    ),
  ])
  const byStatus = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>
  for (const row of statuses.rows) byStatus[row.status] = Number(row.n)
  const series = daily.rows.map((r) => ({ date: r.date, orders: Number(r.orders) }))
  return {
    today: {
      // An order paid today and cancelled since still happened today: it counts here, not in revenue.
      orders: series[series.length - 1]?.orders ?? 0,
      revenue: revenue.rows.map((r) => ({ currency: r.currency.trim(), amount: Number(r.amount) })),
    },
    byStatus,
    daily: series,
  }
}
