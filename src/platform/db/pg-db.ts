import { createHash } from 'node:crypto'
import pg from 'pg'
import { backoff, beginStatement, isRetryableTxError, TX_MAX_ATTEMPTS, type Db, type Queryable, type QueryResult } from './db.js'

export interface PgDbOptions {
  url: string
  /** Pool sizes per service: product 50/10, order 30/5, auth 20/5 by default (their *_DB_POOL_* settings). */
  max: number
  min: number
  applicationName: string
  connectionTimeoutMs?: number
  statementTimeoutMs?: number
  lockTimeoutMs?: number
  idleInTransactionTimeoutMs?: number
}

// Same JavaScript types as PGlite: int8 as number (our ids and counts stay far below 2^53).
const types = new pg.TypeOverrides()
types.setTypeParser(20, (v: string) => Number(v))
const parseTextArray = pg.types.getTypeParser(1009 as never) as (v: string) => string[]
types.setTypeParser(1016, (v: string) => parseTextArray(v).map((x) => (x === null ? null : Number(x))))

const names = new Map<string, string>()
function statementName(text: string): string {
  let name = names.get(text)
  if (!name) {
    name = `s${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
    if (names.size < 10_000) names.set(text, name)
  }
  return name
}

export function createPgDb(options: PgDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    min: options.min,
    application_name: options.applicationName,
    // node-postgres waits forever for a connection by default; fail fast instead.
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    // Client-side too: a server that stops answering (a stalled network) must not hang a request.
    query_timeout: (options.statementTimeoutMs ?? 10_000) + 2000,
    lock_timeout: options.lockTimeoutMs ?? 5000,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 15_000,
    keepAlive: true,
    types,
  })
  // An idle client losing its server (restart, pg_terminate_backend) must not crash the process.
  pool.on('error', () => {})

  const wrap = (c: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      // Named: each connection parses and plans a statement once, then reuses it.
      // Our SQL is a fixed set of texts, so the cache per connection stays small.
      const r = await c.query({ name: statementName(text), text, values: params as unknown[] })
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 }
    },
    async exec(sql: string): Promise<void> {
      await c.query(sql)
    },
  })
  const self = wrap(pool)

  return {
    kind: 'pg',
    query: self.query,
    exec: self.exec,
    async transaction(fn, opts = {}) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect()
        let broken = false
        try {
          await client.query(beginStatement(opts.isolation))
          const result = await fn(wrap(client))
          await client.query('commit')
          return result
        } catch (err) {
          try {
            await client.query('rollback')
          } catch {
            broken = true
          }
          if (attempt < TX_MAX_ATTEMPTS && isRetryableTxError(err)) {
            await backoff(attempt)
            continue
          }
          throw err
        } finally {
          client.release(broken)
        }
      }
    },
    async ping() {
      await pool.query('select 1')
    },
    async close() {
      await pool.end()
    },
  }
}
