import type { Queryable } from '../../platform/db/db.js'

/** The SQL of customers' address books (orders.addresses); every statement is scoped to the user. */

export interface AddressRow {
  id: string
  label: string | null
  address: Record<string, string>
  created_at: Date
}

/** Undefined when the book already holds `max` addresses. */
export async function insertAddress(q: Queryable, a: { id: string; userId: string; label: string | null; address: Record<string, string> }, max: number): Promise<AddressRow | undefined> {
  const { rows } = await q.query<AddressRow>(
    `insert into orders.addresses (id, user_id, label, address)
     select $1, $2, $3, $4 where (select count(*) from orders.addresses where user_id = $2) < $5
     returning id, label, address, created_at`,
    [a.id, a.userId, a.label, JSON.stringify(a.address), max],
  )
  return rows[0]
}

export async function listAddresses(q: Queryable, userId: string): Promise<AddressRow[]> {
  const { rows } = await q.query<AddressRow>('select id, label, address, created_at from orders.addresses where user_id = $1 order by created_at, id', [userId])
  return rows
}

export async function findAddress(q: Queryable, userId: string, id: string): Promise<AddressRow | undefined> {
  const { rows } = await q.query<AddressRow>('select id, label, address, created_at from orders.addresses where user_id = $1 and id = $2', [userId, id])
  return rows[0]
}

export async function deleteAddress(q: Queryable, userId: string, id: string): Promise<boolean> {
  const r = await q.query('delete from orders.addresses where user_id = $1 and id = $2', [userId, id])
  return r.rowCount === 1
}
