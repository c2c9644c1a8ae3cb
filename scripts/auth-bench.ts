/**
 * npx tsx scripts/auth-bench.ts [--concurrency 20] [--logins 500] [--hash-concurrency 2]
 *
 * Two figures of the auth service on this machine:
 *  1. argon2id hash and verify time (m=19456 KiB, t=2, p=1), median of 25;
 *  2. login latency at N concurrent clients against one auth instance (the
 *     service started as PM2 would, `node src/main.ts auth`, in a child process
 *     on 127.0.0.1), compared with one client at a time.
 * Uses DATABASE_URL / REDIS_URL when set (point them at a scratch database: the
 * bench creates accounts), else the embedded database in a temporary DATA_DIR.
 * The per-client rate limit is lifted for the run; everything started is stopped.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { availableParallelism, tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { hash, verify, type Algorithm } from '@node-rs/argon2'

const { values } = parseArgs({
  options: { concurrency: { type: 'string', default: '20' }, logins: { type: 'string', default: '500' }, 'hash-concurrency': { type: 'string' } },
})
const CONCURRENCY = Number(values.concurrency)
const LOGINS = Number(values.logins)
const PASSWORD = 'bench passphrase for argon2'

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!
  return { n: s.length, median: at(0.5), p95: at(0.95), p99: at(0.99), max: s.at(-1)! }
}
const fmt = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${k === 'n' ? v : v.toFixed(1)}`).join(', ')

async function argonFigures() {
  const opts = { algorithm: 2 as Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 }
  const hashes: number[] = []
  const verifies: number[] = []
  let h = await hash(PASSWORD, opts)
  for (let i = 0; i < 25; i++) {
    let t = performance.now()
    h = await hash(PASSWORD, opts)
    hashes.push(performance.now() - t)
    t = performance.now()
    await verify(h, PASSWORD)
    verifies.push(performance.now() - t)
  }
  console.log(`argon2id hash   (ms): ${fmt(stats(hashes))}`)
  console.log(`argon2id verify (ms): ${fmt(stats(verifies))}`)
  return stats(verifies).median
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function startAuth(port: number, dataDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'auth'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      AUTH_RATE_LIMIT_MAX: '100000000',
      ...(values['hash-concurrency'] ? { AUTH_HASH_CONCURRENCY: values['hash-concurrency'] } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const base = `http://127.0.0.1:${port}/api/auth`
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`auth service exited with ${child.exitCode}`)
    const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false)
    if (ok) return { child, base }
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill('SIGTERM')
  throw new Error('auth service did not become healthy')
}

async function post(url: string, body: unknown): Promise<{ status: number; ms: number }> {
  const t = performance.now()
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  await res.arrayBuffer()
  return { status: res.status, ms: performance.now() - t }
}

async function logins(base: string, emails: string[], clients: number, total: number): Promise<number[]> {
  const latencies: number[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (next < total) {
        next++
        // Each client signs in to its own account: the per-account throttle is not what is measured.
        const r = await post(`${base}/login`, { email: emails[c % emails.length], password: PASSWORD })
        if (r.status !== 200) throw new Error(`login answered ${r.status}`)
        latencies.push(r.ms)
      }
    }),
  )
  return latencies
}

async function main() {
  console.log(`machine: ${availableParallelism()} cores, Node ${process.version}; database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}`)
  const verifyMedian = await argonFigures()
  const dataDir = await mkdtemp(path.join(tmpdir(), 'emporium-auth-bench-'))
  const { child, base } = await startAuth(await freePort(), dataDir)
  try {
    const emails = Array.from({ length: CONCURRENCY }, (_, i) => `bench-${i}-${randomBytes(4).toString('hex')}@example.com`)
    for (const email of emails) {
      const r = await post(`${base}/register`, { email, password: PASSWORD })
      if (r.status !== 201) throw new Error(`register answered ${r.status}`)
    }
    await logins(base, emails, CONCURRENCY, CONCURRENCY * 2) // warm-up
    const sequential = stats(await logins(base, emails, 1, 50))
    console.log(`login, 1 client        (ms): ${fmt(sequential)}`)
    const started = performance.now()
    const concurrent = stats(await logins(base, emails, CONCURRENCY, LOGINS))
    const seconds = (performance.now() - started) / 1000
    console.log(`login, ${CONCURRENCY} concurrent  (ms): ${fmt(concurrent)}; ${(LOGINS / seconds).toFixed(0)} logins/s`)
    const hashSlots = Number(values['hash-concurrency'] ?? 2)
    console.log(
      `baseline: ${CONCURRENCY} logins queued on ${hashSlots} hashing slots need ~${((CONCURRENCY / hashSlots) * verifyMedian).toFixed(0)} ms of argon2 alone`,
    )
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    await rm(dataDir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
