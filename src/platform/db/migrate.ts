import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { inboxDdl } from '../events/inbox.js'
import { outboxDdl } from '../events/outbox-store.js'
import { quoteSchema, type Db } from './db.js'

export interface MigrationSet {
  /** The Postgres schema the service owns, e.g. 'catalog'. */
  schema: string
  /** Folder of numbered files: 001-products.sql, 002-....sql */
  dir: URL
  /** Tables whose shape the platform fixes, made from their one template before the numbered files. */
  outbox?: boolean
  inbox?: boolean
}

export interface Migration {
  version: number
  name: string
  sql: string
}

const FILE = /^(\d{3,})-([a-z0-9-]+)\.sql$/

export async function readMigrations(dir: URL): Promise<Migration[]> {
  const files = (await readdir(fileURLToPath(dir))).filter((f) => f.endsWith('.sql')).sort()
  const migrations: Migration[] = []
  for (const file of files) {
    const m = FILE.exec(file)
    if (!m) throw new Error(`migration file name must look like 001-name.sql: ${file}`)
    migrations.push({ version: Number(m[1]), name: m[2]!, sql: await readFile(new URL(file, dir), 'utf8') })
  }
  const versions = migrations.map((m) => m.version)
  if (new Set(versions).size !== versions.length) throw new Error(`duplicate migration version in ${dir.pathname}`)
  return migrations
}

/**
 * Applies the set's pending migrations in order, all in one transaction under an
 * advisory lock, so several instances starting at once apply each file exactly once.
 * The outbox and inbox templates come first; they are idempotent, so a database
 * whose migrations made those tables before the templates existed keeps them.
 * Returns the versions it applied.
 */
export async function migrate(db: Db, set: MigrationSet): Promise<number[]> {
  const migrations = await readMigrations(set.dir)
  const schema = quoteSchema(set.schema)
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`emporium.migrate.${set.schema}`])
    await tx.exec(`
      create schema if not exists ${schema};
      create table if not exists ${schema}.schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      );`)
    if (set.outbox) await tx.exec(outboxDdl(set.schema))
    if (set.inbox) await tx.exec(inboxDdl(set.schema))
    const { rows } = await tx.query<{ version: number }>(`select version from ${schema}.schema_migrations`)
    const applied = new Set(rows.map((r) => r.version))
    const done: number[] = []
    for (const m of migrations) {
      if (applied.has(m.version)) continue
      await tx.exec(m.sql)
      await tx.query(`insert into ${schema}.schema_migrations (version, name) values ($1, $2)`, [m.version, m.name])
      done.push(m.version)
    }
    return done
  })
}
