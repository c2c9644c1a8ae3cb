import assert from 'node:assert/strict'
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
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

  test('regression: data files were world-readable; after a start nothing under DATA_DIR is readable by group or others', async () => {
    const own = await mkdtemp(path.join(tmpdir(), 'emporium-modes-'))
    try {
      // What an older version left: a readable directory and files.
      await chmod(own, 0o755)
      await writeFile(path.join(own, 'left-over.eml'), 'reset link', { mode: 0o644 })
      await chmod(path.join(own, 'left-over.eml'), 0o644)
      const ownPort = randomPort()
      const p = startMain(['all'], { ...env, DATA_DIR: own, PORT: String(ownPort), SEED_DEMO_PRODUCTS: '0' })
      try {
        const ownBase = `http://127.0.0.1:${ownPort}`
        await until('ready', async () => ((await fetch(`${ownBase}/health`)).ok ? true : undefined), 60_000)
        const res = await fetch(`${ownBase}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'modes@example.com', password: 'a long and unusual passphrase 7' }) })
        assert.equal(res.status, 201)
        await until('the welcome e-mail on disk', async () => ((await readdir(path.join(own, 'mailbox'))).some((f) => f.endsWith('.eml')) ? true : undefined))
        assert.equal(await stop(p, 'SIGTERM'), 0)
      } finally {
        p.child.kill('SIGKILL')
      }
      const loose: string[] = []
      const walk = async (dir: string): Promise<number> => {
        let n = 0
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name)
          if ((await stat(full)).mode & 0o077) loose.push(`${full} ${((await stat(full)).mode & 0o777).toString(8)}`)
          n += entry.isDirectory() ? 1 + (await walk(full)) : 1
        }
        return n
      }
      const files = await walk(own)
      assert.ok(files > 100, `${files} files checked`)
      assert.equal((await stat(own)).mode & 0o777, 0o700)
      assert.deepEqual(loose.slice(0, 10), [])
    } finally {
      await rm(own, { recursive: true, force: true })
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
