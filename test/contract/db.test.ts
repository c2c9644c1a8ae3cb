import assert from 'node:assert/strict'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, test } from 'node:test'
import { PgCode, pgCode } from '../../src/platform/db/db.js'
import { createPgDb } from '../../src/platform/db/pg-db.js'
import { migrate } from '../../src/platform/db/migrate.js'
import { clonePgDatabase, openClone } from '../helpers/databases.js'

/** The database port: both adapters answer the same SQL with the same JavaScript values. */
for (const adapters of ['embedded', 'real'] as const) {
  describe(`Db port (${adapters === 'real' ? 'PostgreSQL' : 'PGlite'})`, () => {
    test('values come back with the same JavaScript types', async (t) => {
      const db = await openClone(adapters, t)
      const { rows } = await db.query(
        `select 9007199254740991::int8 as i8, 7::int4 as i4, 1.50::numeric as num, timestamptz '2026-01-02T03:04:05.678Z' as ts,
                '{"a":[1,"x"]}'::jsonb as j, array['a','b']::text[] as arr, array[1,2]::int8[] as ia, true as b,
                null::text as n, count(*) as c from (values (1), (2)) v`,
      )
      assert.deepEqual(rows[0], {
        i8: 9007199254740991, i4: 7, num: '1.50', ts: new Date('2026-01-02T03:04:05.678Z'),
        j: { a: [1, 'x'] }, arr: ['a', 'b'], ia: [1, 2], b: true, n: null, c: 2,
      })
    })

    test('parameters of every common type round-trip', async (t) => {
      const db = await openClone(adapters, t)
      const when = new Date('2026-05-06T07:08:09.010Z')
      const { rows } = await db.query('select $1::int as a, $2::text as b, $3::timestamptz as c, $4::jsonb as d, $5::int[] as e, $6::text[] as f', [
        42, 'hé', when, JSON.stringify({ k: 1 }), [1, 2, 3], ['x', 'y'],
      ])
      assert.deepEqual(rows[0], { a: 42, b: 'hé', c: when, d: { k: 1 }, e: [1, 2, 3], f: ['x', 'y'] })
    })

    test('rowCount counts changed rows and selected rows', async (t) => {
      const db = await openClone(adapters, t)
      await db.exec('create table t (id int primary key, v int); insert into t values (1, 1), (2, 2), (3, 3)')
      assert.equal((await db.query('update t set v = v + 1 where id > 1')).rowCount, 2)
      assert.equal((await db.query('update t set v = 0 where id > 99')).rowCount, 0)
      assert.equal((await db.query('select * from t')).rowCount, 3)
    })

    test('a transaction commits when its function resolves', async (t) => {
      const db = await openClone(adapters, t)
      await db.exec('create table t (id int primary key)')
      const r = await db.transaction(async (tx) => {
        await tx.query('insert into t values (1)')
        return (await tx.query<{ n: number }>('select count(*)::int as n from t')).rows[0]!.n
      })
      assert.equal(r, 1)
      assert.equal((await db.query('select * from t')).rowCount, 1)
    })

    test('a transaction rolls back everything when its function throws', async (t) => {
      const db = await openClone(adapters, t)
      await db.exec('create table t (id int primary key)')
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('insert into t values (1)')
          throw new Error('boom')
        }),
        /boom/,
      )
      await assert.rejects(db.transaction(async (tx) => {
        await tx.query('insert into t values (2)')
        await tx.query('insert into t values (2)')
      }), (err: unknown) => pgCode(err) === PgCode.uniqueViolation)
      assert.equal((await db.query('select * from t')).rowCount, 0)
    })

    test('constraint violations carry their SQLSTATE', async (t) => {
      const db = await openClone(adapters, t)
      await db.exec('create table t (id int primary key, n int check (n >= 0))')
      await assert.rejects(db.query('insert into t values (1, -1)'), (err: unknown) => pgCode(err) === PgCode.checkViolation)
    })

    test('migrations apply once, in order, and record their versions', async (t) => {
      const db = await openClone(adapters, t)
      const dir = await mkdtemp(path.join(tmpdir(), 'mig-'))
      await writeFile(path.join(dir, '001-first.sql'), 'create table demo.a (id int); insert into demo.a values (1);')
      await writeFile(path.join(dir, '002-second.sql'), 'insert into demo.a values (2);')
      const set = { schema: 'demo', dir: pathToFileURL(dir + '/') }
      assert.deepEqual(await migrate(db, set), [1, 2])
      assert.deepEqual(await migrate(db, set), [])
      assert.equal((await db.query('select * from demo.a')).rowCount, 2)
      assert.deepEqual((await db.query('select version, name from demo.schema_migrations order by version')).rows, [
        { version: 1, name: 'first' },
        { version: 2, name: 'second' },
      ])
    })

    test('a set with outbox and inbox gets both from their templates, and a database whose migration made them keeps its rows', async (t) => {
      const db = await openClone(adapters, t)
      const dir = await mkdtemp(path.join(tmpdir(), 'mig-'))
      await writeFile(path.join(dir, '001-first.sql'), 'create table demo3.a (id int);')
      const set = { schema: 'demo3', dir: pathToFileURL(dir + '/'), outbox: true, inbox: true }
      assert.deepEqual(await migrate(db, set), [1])
      await db.query(`insert into demo3.outbox (id, type, aggregate_type, aggregate_id, payload) values (gen_random_uuid(), 'order.placed', 'order', '1', '{}')`)
      await db.query(`insert into demo3.inbox (event_id, type) values (gen_random_uuid(), 'order.placed')`)
      // As at every start: the templates run again and change nothing.
      assert.deepEqual(await migrate(db, set), [])
      const { rows } = await db.query<{ outbox: number; inbox: number; indexed: number }>(
        `select (select count(*)::int from demo3.outbox) as outbox, (select count(*)::int from demo3.inbox) as inbox,
                (select count(*)::int from pg_indexes where schemaname = 'demo3' and indexname = 'outbox_unpublished') as indexed`,
      )
      assert.deepEqual(rows[0], { outbox: 1, inbox: 1, indexed: 1 })
    })

    test('a failing migration leaves nothing half-applied', async (t) => {
      const db = await openClone(adapters, t)
      const dir = await mkdtemp(path.join(tmpdir(), 'mig-'))
      await writeFile(path.join(dir, '001-ok.sql'), 'create table demo2.a (id int);')
      await writeFile(path.join(dir, '002-bad.sql'), 'insert into demo2.nope values (1);')
      await assert.rejects(migrate(db, { schema: 'demo2', dir: pathToFileURL(dir + '/') }))
      assert.equal((await db.query("select 1 from information_schema.tables where table_schema = 'demo2'")).rowCount, 0)
    })
  })
}

describe('Db port (PostgreSQL only: several connections)', () => {
  test('instances migrating at the same time apply each file once', async (t) => {
    const url = await clonePgDatabase(t)
    const dbs = [1, 2, 3].map(() => createPgDb({ url, max: 2, min: 0, applicationName: 'mig' }))
    t.after(() => Promise.all(dbs.map((d) => d.close())))
    const dir = await mkdtemp(path.join(tmpdir(), 'mig-'))
    await writeFile(path.join(dir, '001-a.sql'), 'create table race.a (id int); insert into race.a values (1);')
    const set = { schema: 'race', dir: pathToFileURL(dir + '/') }
    const applied = await Promise.all(dbs.map((d) => migrate(d, set)))
    assert.equal(applied.flat().length, 1)
    assert.equal((await dbs[0]!.query('select * from race.a')).rowCount, 1)
  })

  test('serialization failures are retried until the transaction goes through', async (t) => {
    const url = await clonePgDatabase(t)
    const db = createPgDb({ url, max: 10, min: 0, applicationName: 'retry' })
    t.after(() => db.close())
    await db.exec('create table counter (id int primary key, n int); insert into counter values (1, 0)')
    let attempts = 0
    let committed = 0
    await Promise.all(
      Array.from({ length: 8 }, () =>
        db.transaction(
          async (tx) => {
            attempts++
            const { rows } = await tx.query<{ n: number }>('select n from counter where id = 1')
            await new Promise((r) => setTimeout(r, 20))
            await tx.query('update counter set n = $1 where id = 1', [rows[0]!.n + 1])
          },
          { isolation: 'serializable' },
        ).then(() => void committed++, (err) => {
          // More than the bounded retries can still fail under this much contention; never silently.
          assert.equal(pgCode(err), PgCode.serializationFailure)
        }),
      ),
    )
    const { rows } = await db.query<{ n: number }>('select n from counter')
    assert.ok(attempts > 8, 'conflicting transactions were retried')
    assert.ok(committed >= 4, `most transactions got through (${committed} of 8)`)
    // No lost update: the counter equals the number of transactions that committed.
    assert.equal(rows[0]!.n, committed)
  })
})
