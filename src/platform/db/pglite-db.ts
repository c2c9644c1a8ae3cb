import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { lockDataDir } from '../data-dir.js'
import { type Db, type Queryable, type QueryResult } from './db.js'

/**
 * Embedded PostgreSQL (WASM) with its files in dataDir, kept across restarts.
 * PGlite has one connection: a transaction holds it exclusively and other
 * queries wait their turn, so there are no deadlocks or serialization failures
 * to retry here.
 */
export async function createPgliteDb(options: { dataDir: string; loadDataDir?: Blob }): Promise<Db> {
  if (options.dataDir.startsWith('memory://')) return wrapPglite(await PGlite.create({ dataDir: options.dataDir, ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) }))
  await mkdir(options.dataDir, { recursive: true })
  // One process per directory: a second one gets a clear refusal instead of becoming a second writer.
  const release = await lockDataDir(options.dataDir)
  try {
    const lite = await PGlite.create({ dataDir: options.dataDir, ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) })
    return wrapPglite(lite, release)
  } catch (err) {
    release()
    throw err
  }
}

export function wrapPglite(lite: PGlite, onClose: () => void = () => {}): Db {
  const asQueryable = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const r = await q.query<R>(text, params as unknown[])
      return { rows: r.rows, rowCount: r.affectedRows || r.rows.length }
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql)
    },
  })
  const self = asQueryable(lite)
  return {
    kind: 'pglite',
    query: self.query,
    exec: self.exec,
    async transaction(fn, opts = {}) {
      return lite.transaction(async (tx) => {
        // PGlite issues its own BEGIN; raise the isolation level inside it when asked.
        if (opts.isolation) await tx.exec(`set transaction isolation level ${opts.isolation}`)
        return fn(asQueryable(tx))
      })
    },
    async ping() {
      await lite.query('select 1')
    },
    async close() {
      if (!lite.closed) await lite.close()
      onClose()
    },
  }
}
