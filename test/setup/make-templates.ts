/**
 * Run once by `npm test` before the test files: builds the migrated templates
 * every test clones: a PostgreSQL template database and a PGlite dump.
 */
import { writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'
import { createPgDb } from '../../src/platform/db/pg-db.js'
import { pgliteOptions, wrapPglite } from '../../src/platform/db/pglite-db.js'
import { migrate } from '../../src/platform/db/migrate.js'
import { SERVICES } from '../../src/services/registry.js'
import { PG_TEMPLATE, pglitetemplatePath, servers } from '../helpers/servers.js'
import { PGlite } from '@electric-sql/pglite'
import type { Db } from '../../src/platform/db/db.js'

async function migrateAll(db: Db) {
  for (const s of SERVICES) await migrate(db, s.migrations)
}

async function pgTemplate() {
  const admin = new pg.Client({ connectionString: servers.databaseUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${PG_TEMPLATE} with (force)`)
  await admin.query(`create database ${PG_TEMPLATE}`)
  const url = new URL(servers.databaseUrl)
  url.pathname = `/${PG_TEMPLATE}`
  // The shared servers may be busy with other runs (load 20-30 on 2 cores): DDL gets more than the 10 s a request gets.
  const db = createPgDb({ url: url.toString(), max: 1, min: 0, applicationName: 'template', statementTimeoutMs: 120_000, lockTimeoutMs: 60_000 })
  await migrateAll(db)
  await db.close()
  await admin.end()
}

async function pgliteTemplate() {
  const lite = await PGlite.create({ dataDir: 'memory://', ...pgliteOptions() })
  await migrateAll(wrapPglite(lite))
  const dump = await lite.dumpDataDir('gzip')
  const file = pglitetemplatePath()
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, Buffer.from(await dump.arrayBuffer()))
  await lite.close()
}

const started = Date.now()
// One after the other: PGlite's initdb and migrations run on this event loop and,
// on a busy machine, held it long enough for pg's query timeout to fire meanwhile.
await pgTemplate()
await pgliteTemplate()
console.log(`test templates ready in ${Date.now() - started} ms`)
