import type { Queryable } from '../../platform/db/db.js'

/** The SQL of the built-in test payment provider's ledger (orders.test_provider_operations), which stands for the provider's side. */

export interface ProviderOperationRow {
  idempotency_key: string
  kind: string
  amount: number
  currency: string
  status: string
  decline_code: string | null
  reference: string
}

const COLUMNS = 'idempotency_key, kind, amount, currency, status, decline_code, reference'

/** Records an operation under its key; returns the first operation recorded under that key. */
export async function recordProviderOperation(q: Queryable, op: ProviderOperationRow): Promise<ProviderOperationRow> {
  const inserted = await q.query<ProviderOperationRow>(
    `insert into orders.test_provider_operations (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (idempotency_key) do nothing returning ${COLUMNS}`,
    [op.idempotency_key, op.kind, op.amount, op.currency, op.status, op.decline_code, op.reference],
  )
  if (inserted.rows[0]) return inserted.rows[0]
  // A new statement, so a new snapshot: it sees the row a concurrent call committed.
  const { rows } = await q.query<ProviderOperationRow>(`select ${COLUMNS} from orders.test_provider_operations where idempotency_key = $1`, [
    op.idempotency_key,
  ])
  return rows[0]!
}

export async function findProviderOperation(q: Queryable, key: string): Promise<ProviderOperationRow | undefined> {
  const { rows } = await q.query<ProviderOperationRow>(
    `select ${COLUMNS} from orders.test_provider_operations where idempotency_key = $1`,
    [key],
  )
  return rows[0]
}
