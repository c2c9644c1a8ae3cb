import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { until } from '../helpers/events.js'
import { startMain, type Started } from '../helpers/process.js'

/** `npm start` as a user runs it: one process, the embedded database on disk, a seeded catalog. */
describe('the embedded shop process', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'emporium-data-'))
  after(() => rm(dataDir, { recursive: true, force: true }))
  const env = { DATA_DIR: dataDir, SEED_DEMO_PRODUCTS: '300', LOG_LEVEL: 'warn' }
  let firstProduct: { id: number; name: string } | undefined

  const products = async (base: string) => {
    const res = await fetch(`${base}/api/products?limit=100`)
    return res.ok ? ((await res.json()) as { items: { id: number; name: string }[]; nextCursor: string | null }) : undefined
  }

  async function stop(p: Started, how: 'SIGTERM' | 'SIGINT' | 'shutdown') {
    if (how === 'shutdown') p.child.send('shutdown')
    else p.child.kill(how)
    return p.exited
  }

  test('starts on the port the kernel gives it, reports it and ready over IPC, and serves the seeded catalog', async () => {
    const p = startMain(['all'], env)
    try {
      const port = await p.listening()
      const base = `http://127.0.0.1:${port}`
      const page = await until('products', () => products(base), 60_000)
      assert.equal(page.items.length, 100)
      assert.ok(page.nextCursor)
      assert.deepEqual(p.messages, [{ event: 'listening', port }, 'ready'])
      // Id and name only: its picture (and so updatedAt) may arrive from the background between the two runs.
      firstProduct = { id: page.items[0]!.id, name: page.items[0]!.name }
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
      const base = `http://127.0.0.1:${await p.listening()}`
      const page = await until('products', () => products(base), 60_000)
      assert.deepEqual({ id: page.items[0]!.id, name: page.items[0]!.name }, firstProduct)
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
      const p = startMain(['all'], { ...env, DATA_DIR: own, SEED_DEMO_PRODUCTS: '0' })
      try {
        const ownBase = `http://127.0.0.1:${await p.listening()}`
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

  test('regression: a second process on the same embedded database was a silent second writer; it is refused, and a dead holder\'s lock is taken over', async () => {
    const own = await mkdtemp(path.join(tmpdir(), 'emporium-lock-'))
    const adminCreate = async (email: string) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/admin-create.ts', '--email', email], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: own, LOG_LEVEL: 'silent' },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      child.stdin.end('correct horse battery staple\n')
      const [code] = await once(child, 'exit')
      return { code: code as number, out }
    }
    try {
      const shop = startMain(['all'], { ...env, DATA_DIR: own, SEED_DEMO_PRODUCTS: '0' })
      try {
        await shop.listening()
        const second = await adminCreate('second@example.com')
        assert.equal(second.code, 1, second.out)
        assert.match(second.out, new RegExp(`is in use by process ${shop.child.pid}`))
        assert.equal(second.out.trim().split('\n').length, 1, second.out)
      } finally {
        // Killed, not stopped: its lock stays behind, naming a process that is gone.
        shop.child.kill('SIGKILL')
        await shop.exited
      }
      assert.ok(existsSync(path.join(own, 'pglite.lock')))
      const after = await adminCreate('first@example.com')
      assert.equal(after.code, 0, after.out)
      assert.match(after.out, /administrator first@example.com created/)
      assert.ok(!existsSync(path.join(own, 'pglite.lock')), 'released on exit')
    } finally {
      await rm(own, { recursive: true, force: true })
    }
  })

  test('regression: npm start was npm -> tsx -> node and a kill left the shop running; now npm runs node itself, and a signal to either stops the shop', async () => {
    const own = await mkdtemp(path.join(tmpdir(), 'emporium-npm-'))
    const npmStart = async () => {
      const npm = spawn('npm', ['start'], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: own, PORT: '0', SEED_DEMO_PRODUCTS: '0', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      npm.stdout!.on('data', (d) => (out += d))
      npm.stderr!.on('data', (d) => (out += d))
      const exited = once(npm, 'exit').then(([code]) => code as number | null)
      const port = await until('npm start listening', () => /Emporium listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1], 120_000, 200).catch((err: Error) => {
        throw new Error(`${err.message}; npm start printed:\n${out.slice(-4000)}`)
      })
      return { npm, exited, port: Number(port), out: () => out }
    }
    const childrenOf = async (pid: number) => {
      const ps = spawn('ps', ['-o', 'pid=,args=', '--ppid', String(pid)])
      let text = ''
      ps.stdout.on('data', (d) => (text += d))
      await once(ps, 'exit')
      return text.trim().split('\n').filter(Boolean).map((l) => ({ pid: Number(l.trim().split(/\s+/)[0]), args: l.trim().split(/\s+/).slice(1).join(' ') }))
    }
    const started: ChildProcess[] = []
    const shops: number[] = []
    try {
      for (const target of ['node', 'npm'] as const) {
        const run = await npmStart()
        started.push(run.npm)
        // npm's only child is the shop's node process: no sh, no tsx CLI in between.
        const kids = await childrenOf(run.npm.pid!)
        shops.push(...kids.map((k) => k.pid))
        assert.equal(kids.length, 1, JSON.stringify(kids))
        assert.match(kids[0]!.args, /^\S*node --import tsx src\/main\.ts all$/)
        process.kill(target === 'node' ? kids[0]!.pid : run.npm.pid!, 'SIGTERM')
        assert.equal(await run.exited, 0, run.out().slice(-2000))
        await assert.rejects(fetch(`http://127.0.0.1:${run.port}/health/live`), `the shop stopped after a SIGTERM to ${target}`)
        assert.match(run.out(), /"msg":"stopped"/)
      }
    } finally {
      for (const p of started) p.kill('SIGKILL')
      // Whatever npm started, should it have outlived npm (the bug this pins).
      for (const pid of shops) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // gone
        }
      }
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
