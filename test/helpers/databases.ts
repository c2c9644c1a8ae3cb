import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { TestContext } from 'node:test'
import pg from 'pg'
import type { Db } from '../../src/platform/db/db.js'
import { createPgDb } from '../../src/platform/db/pg-db.js'
import { createPgliteDb } from '../../src/platform/db/pglite-db.js'
import { PG_TEMPLATE, pglitetemplatePath, servers } from './servers.js'

type Scope = Pick<TestContext, 'after'> | { after: (fn: () => Promise<void>) => void }

function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: servers.databaseUrl })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/**
 * A fresh PostgreSQL database with every migration applied, cloned from the
 * template in ~100 ms and dropped when the scope ends. Returns its URL.
 */
export async function clonePgDatabase(scope: Scope): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`create database ${name} template ${PG_TEMPLATE}`))
  scope.after(async () => {
    await admin((c) => c.query(`drop database if exists ${name} with (force)`))
  })
  return withDatabase(servers.databaseUrl, name)
}

/** A pg-backed Db on a fresh clone, closed and dropped when the scope ends. */
export async function openPgClone(scope: Scope, pool = { max: 10, min: 0 }): Promise<Db> {
  const url = await clonePgDatabase(scope)
  const db = createPgDb({ url, ...pool, applicationName: 'test' })
  scope.after(() => db.close())
  return db
}

let template: Promise<Blob> | undefined

/** An in-memory PGlite loaded from the migrated template dump (~0.5 s instead of initdb's ~5 s). */
export async function openPgliteClone(scope: Scope): Promise<Db> {
  template ??= readFile(pglitetemplatePath()).then((b) => new Blob([b]))
  const db = await createPgliteDb({ dataDir: 'memory://', loadDataDir: await template })
  scope.after(() => db.close())
  return db
}

export type Adapters = 'embedded' | 'real'

/** The database of either column of the architecture, for contract tests. */
export function openClone(adapters: Adapters, scope: Scope): Promise<Db> {
  return adapters === 'real' ? openPgClone(scope) : openPgliteClone(scope)
}
