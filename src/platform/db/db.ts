/**
 * The database port. Two adapters: PGlite (embedded, in-process) and node-postgres
 * (production). Write SQL that runs on both; each service owns one schema.
 */
export type Row = Record<string, unknown>

export interface QueryResult<R = Row> {
  rows: R[]
  rowCount: number
}

export interface Queryable {
  /** One parameterised statement. */
  query<R = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>
}

export type Isolation = 'read committed' | 'repeatable read' | 'serializable'

export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite'
  /**
   * Runs fn in a transaction: commit when it resolves, roll back when it throws.
   * Serialization failures and deadlocks (40001, 40P01) are retried a bounded
   * number of times with jitter, so fn must be safe to run again.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: { isolation?: Isolation }): Promise<T>
  ping(): Promise<void>
  close(): Promise<void>
}

/** A schema name checked to be a plain identifier, quoted: the only way a name reaches SQL text. */
export function quoteSchema(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad schema name: ${name}`)
  return `"${name}"`
}

/** Postgres SQLSTATEs callers branch on. */
export const PgCode = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  restrictViolation: '23001',
  checkViolation: '23514',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  lockNotAvailable: '55P03',
  queryCanceled: '57014',
} as const

export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * The database cannot be reached or went away (refused, reset, timed out,
 * shutting down): the request is not at fault, answer 503 and let it retry.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = pgCode(err)
  if (code && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300')) return true
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'].includes(code)) return true
  const message = (err as { message?: unknown } | null)?.message
  return typeof message === 'string' && /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connection timeout/i.test(message)
}

export function isRetryableTxError(err: unknown): boolean {
  const code = pgCode(err)
  return code === PgCode.serializationFailure || code === PgCode.deadlockDetected
}

export const TX_MAX_ATTEMPTS = 5

export async function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random())
  await new Promise((r) => setTimeout(r, ms))
}

export function beginStatement(isolation?: Isolation): string {
  return isolation ? `begin isolation level ${isolation}` : 'begin'
}
