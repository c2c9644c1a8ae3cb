import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { until } from '../helpers/events.js'
import { randomPort, startMain, type Started } from '../helpers/process.js'

/** `npm start` as a user runs it: one process, the embedded database on disk, a seeded catalog. */
describe('the embedded shop process', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'emporium-data-'))
  after(() => rm(dataDir, { recursive: true, force: true }))
  const port = randomPort()
  const env = { DATA_DIR: dataDir, PORT: String(port), SEED_DEMO_PRODUCTS: '300', LOG_LEVEL: 'warn' }
  const base = `http://127.0.0.1:${port}`
  let firstProduct: { id: number; name: string } | undefined

  const products = async () => {
    const res = await fetch(`${base}/api/products?limit=100`)
    return res.ok ? ((await res.json()) as { items: { id: number; name: string }[]; nextCursor: string | null }) : undefined
  }

  async function stop(p: Started, how: 'SIGTERM' | 'SIGINT' | 'shutdown') {
    if (how === 'shutdown') p.child.send('shutdown')
    else p.child.kill(how)
    return p.exited
  }

  test('starts on the given port, reports ready over IPC, and serves the seeded catalog', async () => {
    const p = startMain(['all'], env)
    try {
      const page = await until('products', products, 60_000)
      assert.equal(page.items.length, 100)
      assert.ok(page.nextCursor)
      assert.deepEqual(p.messages, ['ready'])
      firstProduct = page.items[0]
      const home = await fetch(`${base}/`)
      assert.equal(home.status, 200)
      assert.match(await home.text(), /href="\/docs"/)
      const docs = await fetch(`${base}/docs/json`)
      const openapi = (await docs.json()) as { paths: Record<string, unknown> }
      assert.ok(openapi.paths['/api/products'])
      assert.equal((await fetch(`${base}/api/categories`)).status, 200)
      assert.equal(await stop(p, 'SIGTERM'), 0)
    } finally {
      p.child.kill('SIGKILL')
    }
  })

  test('a restart keeps the data and does not seed again', async () => {
    const p = startMain(['all'], env)
    try {
      const page = await until('products', products, 60_000)
      assert.deepEqual(page.items[0], firstProduct)
      let count = page.items.length
      let cursor = page.nextCursor
      while (cursor) {
        const next = (await (await fetch(`${base}/api/products?limit=100&cursor=${cursor}`)).json()) as { items: unknown[]; nextCursor: string | null }
        count += next.items.length
        cursor = next.nextCursor
      }
      assert.equal(count, 300)
      assert.equal(await stop(p, 'shutdown'), 0, 'PM2 shutdown message')
    } finally {
      p.child.kill('SIGKILL')
    }
  })

  test('a bad setting stops the start with one line naming it', async () => {
    const p = startMain(['all'], { ...env, PORT: 'eighty', CACHE_TTL_PRODUCTS_SECONDS: '-5' })
    assert.equal(await p.exited, 1)
    const lines = p.stderr().trim().split('\n')
    assert.equal(lines.length, 1, p.stderr())
    assert.match(lines[0]!, /PORT/)
    assert.match(lines[0]!, /CACHE_TTL_PRODUCTS_SECONDS/)
  })

  test('an unknown service name is refused', async () => {
    const p = startMain(['warehouse'], env)
    assert.equal(await p.exited, 1)
    assert.match(p.stderr(), /unknown service 'warehouse'/)
  })
})
