import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { lockDataDir } from '../data-dir.js'
import path from 'node:path'
import { PGlite, type PGliteOptions } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { type Db, type Queryable, type QueryResult } from './db.js'

/**
 * How every PGlite of ours starts: with the extensions the migrations create
 * (pg_trgm for typo-tolerant search) and smaller buffers than PGlite's defaults.
 * The WASM memory grows to hold shared_buffers and never shrinks; 128 MB of
 * buffers (the default) made an embedded shop of 2,000 products hold ~100 MiB
 * more than it needs. startParams replaces PGlite's defaults, so they come first.
 */
export function pgliteOptions(): Pick<PGliteOptions, 'extensions' | 'startParams'> {
  return {
    extensions: { pg_trgm },
    startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB', '-c', 'wal_buffers=1MB'],
  }
}

/**
 * Embedded PostgreSQL (WASM) with its files in dataDir, kept across restarts.
 * PGlite has one connection: a transaction holds it exclusively and other
 * queries wait their turn, so there are no deadlocks or serialization failures
 * to retry here.
 */
export async function createPgliteDb(options: { dataDir: string; loadDataDir?: Blob }): Promise<Db> {
  const create = () => PGlite.create({ dataDir: options.dataDir, ...pgliteOptions(), ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) })
  if (options.dataDir.startsWith('memory://')) return wrapPglite(await create())
  await mkdir(options.dataDir, { recursive: true })
  // One process per directory: a second one gets a clear refusal instead of becoming a second writer.
  const release = await lockDataDir(options.dataDir)
  try {
    if (!options.loadDataDir && !existsSync(path.join(options.dataDir, 'PG_VERSION'))) await initdbApart(options.dataDir)
    return wrapPglite(await create(), release)
  } catch (err) {
    release()
    throw err
  }
}

// Run in a child process: PGlite makes the new database directory and closes it.
const INITDB = `
const { PGlite } = await import(process.argv[1])
const lite = await PGlite.create({ dataDir: process.argv[2], startParams: JSON.parse(process.argv[3]) })
await lite.close()`

/**
 * A first start's initdb runs in a short-lived child process: PGlite runs it
 * with two more WASM instances (a temporary PostgreSQL and initdb) and a copy
 * of the new directory, 600-900 MiB for a few seconds, which in this process
 * would raise its peak far above its steady size and leave ~300 MiB of garbage
 * behind for a long while. This process then opens the directory as on any later start.
 */
async function initdbApart(dataDir: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', INITDB, import.meta.resolve('@electric-sql/pglite'), dataDir, JSON.stringify(pgliteOptions().startParams)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`initdb of ${dataDir} failed (exit ${code}): ${stderr.slice(-2000)}`)
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
