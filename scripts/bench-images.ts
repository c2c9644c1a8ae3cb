/**
 * npm run bench:images [-- --rounds 5] [--images 20] [--seconds 6] [--concurrency 8] [--photo 4000x3000]
 *                         [--only latency,first-start] [--nice 19,0] [--starts 3]
 *
 * latency: the real app (embedded, 2,000 demo products, their demo pictures
 *   made first) listening on loopback. Each round measures the cached
 *   GET /api/products?limit=20 with ApacheBench (ab -k, -c --concurrency, for
 *   --seconds): with no image work, then twice while --images distinct photos
 *   are uploaded at once through POST /api/products/:id/images (curl, one
 *   process each, as clients would) and processed by the pool: from the moment
 *   every upload is received (the target) and from the first byte (see KINDS).
 *   Figures are medians over the rounds; target: p99 while the images are
 *   processed within 1.5x of the p99 without. The images are deleted (files
 *   too) after each run.
 *   --nice compares IMAGE_THREAD_NICE values round by round (one app each).
 * first-start: `npm start` on an empty DATA_DIR, --starts times each: the time
 *   from the spawn to the first answer of GET /api/products, with the demo
 *   pictures (the shop as shipped) and with BACKGROUND_WORKERS=false (no
 *   background work at all: the baseline), alternating; and with the
 *   pictures, the time until every demo product shows one.
 * IMAGE_WORKERS and IMAGE_AVIF_EFFORT are read from the environment.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs, promisify } from 'node:util'
import sharp from 'sharp'
import { buildApp, type BuiltApp } from '../src/app.js'
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../src/platform/auth/config.js'
import { keyRingFromSeeds, newKeySeed, parseKeyMaterial } from '../src/services/auth/keys.js'
import { signAccessToken } from '../src/services/auth/tokens.js'
import { IMAGE_INITIAL_STATUS } from '../src/services/product/image-states.js'
import { median } from './bench-support.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    images: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '8' },
    photo: { type: 'string', default: '4000x3000' },
    only: { type: 'string', default: 'latency,first-start' },
    nice: { type: 'string', default: '' },
    starts: { type: 'string', default: '3' },
  },
})
const phases = new Set(values.only.split(','))
const rounds = Number(values.rounds)
const [photoWidth, photoHeight] = values.photo.split('x').map(Number) as [number, number]
const sh = promisify(execFile)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface AbResult {
  rps: number
  p50: number
  p99: number
  failed: number
}

/** ab in a child process (async: the server under test answers from this process's event loop). */
async function ab(url: string, seconds: number, concurrency: number, csv: string): Promise<AbResult> {
  const args = ['-k', '-q', '-c', String(concurrency), '-t', String(seconds), '-n', '100000000', '-e', csv, url]
  const { stdout } = await sh('ab', args, { maxBuffer: 16 * 1024 * 1024 })
  // The CSV has fractional milliseconds where the text report rounds to whole ones.
  const percentiles = new Map((await readFile(csv, 'utf8')).split('\n').slice(1).filter(Boolean).map((l) => l.split(',').map(Number) as [number, number]))
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN)
  const non2xx = Number(/Non-2xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0)
  return { rps: num(/Requests per second:\s+([\d.]+)/), p50: percentiles.get(50)!, p99: percentiles.get(99)!, failed: num(/Failed requests:\s+(\d+)/) + non2xx }
}

/** Distinct photo-like JPEGs (gradient, shapes, grain), so no two share a content address. */
async function makePhotos(dir: string, count: number): Promise<string[]> {
  const files: string[] = []
  for (let i = 0; i < count; i++) {
    const hue = (i * 37) % 360
    const shapes = `<svg xmlns="http://www.w3.org/2000/svg" width="${photoWidth}" height="${photoHeight}">
      <defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},60%,75%)"/><stop offset="1" stop-color="hsl(${(hue + 90) % 360},50%,30%)"/></linearGradient></defs>
      <rect width="100%" height="100%" fill="url(#g)"/>
      <circle cx="${30 + i}%" cy="45%" r="22%" fill="hsl(${(hue + 180) % 360},70%,55%)"/>
      <rect x="55%" y="${20 + i}%" width="30%" height="45%" rx="40" fill="hsl(${(hue + 240) % 360},40%,85%)" opacity=".8"/></svg>`
    const file = path.join(dir, `photo-${i}.jpg`)
    const grain = await sharp({ create: { width: photoWidth, height: photoHeight, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 0, sigma: 8 } } })
      .png()
      .toBuffer()
    await writeFile(file, await sharp(Buffer.from(shapes)).composite([{ input: grain, blend: 'add' }]).jpeg({ quality: 88 }).toBuffer())
    files.push(file)
  }
  return files
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number, everyMs = 500) {
  const deadline = Date.now() + timeoutMs
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(everyMs)
  }
}

/** The shop as `npm start` runs it, listening on loopback, its demo pictures made; and an admin's token. */
async function shop(root: string, nice: string | undefined) {
  const secret = newKeySeed()
  const env = {
    ...process.env,
    DATA_DIR: path.join(root, `latency-${nice ?? 'default'}`),
    LOG_LEVEL: 'warn',
    JWT_SECRET: secret,
    PRODUCT_RATE_LIMIT_MAX: '1000000000',
    ...(nice ? { IMAGE_THREAD_NICE: nice } : {}),
  }
  const built = await buildApp({ services: 'all', env, defaultMetrics: false })
  await built.app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`
  const keys = await keyRingFromSeeds(parseKeyMaterial(secret, 'bench'))
  const token = await signAccessToken({ keys, issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE, ttlSeconds: 3600 }, { id: 'bench-admin', email: 'admin@example.com', roles: ['admin'] })
  const count = async (sql: string, params: unknown[] = []) => (await built.deps.db.query<{ n: number }>(sql, params)).rows[0]!.n
  console.log(`${nice ? `nice ${nice}: ` : ''}waiting for the demo pictures...`)
  await until('demo pictures', async () => (await count('select count(*)::int as n from catalog.products where needs_demo_image')) === 0, 300_000)
  return {
    built,
    base,
    nice: nice ?? 'default',
    headers: { authorization: `Bearer ${token}` },
    processing: () => count('select count(*)::int as n from catalog.product_images where status = $1', [IMAGE_INITIAL_STATUS]),
    received: (since: Date) => count('select count(*)::int as n from catalog.product_images where created_at >= $1', [since]),
  }
}

type Shop = Awaited<ReturnType<typeof shop>>

interface Loaded {
  ab: AbResult
  imagesSeconds: number
  pendingAtEnd: number
}

/**
 * The two kinds of image work a round measures: `processing` starts ab once
 * every upload is received (its row exists), so ab sees the pool at work (the
 * target); `arriving` starts it with the uploads, so it also sees the event
 * loop take in 20 photos at loopback speed (a burst that clients on a real
 * network spread out).
 */
const KINDS = ['processing', 'arriving'] as const
type Kind = (typeof KINDS)[number]

/** ab while the photos are uploaded (curl, one process each) and processed; then they are deleted, files and all. */
async function underImageWork(s: Shop, photos: string[], kind: Kind, measure: () => Promise<AbResult>): Promise<Loaded> {
  const started = performance.now()
  const since = new Date()
  const productIds = photos.map((_, i) => 1 + i * 7)
  const uploads = photos.map((file, i) =>
    sh('curl', ['-sS', '-H', `authorization: ${s.headers.authorization}`, '-F', `file=@${file};type=image/jpeg`, `${s.base}/api/products/${productIds[i]}/images`]).then(({ stdout }) => {
      const body = JSON.parse(stdout) as { id?: string; error?: unknown }
      if (!body.id) throw new Error(`upload refused: ${stdout}`)
      return { productId: productIds[i]!, id: body.id }
    }),
  )
  if (kind === 'processing') await until('uploads received', async () => (await s.received(since)) === photos.length, 120_000, 20)
  const result = await measure()
  const images = await Promise.all(uploads)
  const pendingAtEnd = await s.processing()
  await until('images made', async () => (await s.processing()) === 0, 300_000, 100)
  const imagesSeconds = (performance.now() - started) / 1000
  for (const i of images) await fetch(`${s.base}/api/products/${i.productId}/images/${i.id}`, { method: 'DELETE', headers: s.headers })
  return { ab: result, imagesSeconds, pendingAtEnd }
}

async function latency(root: string) {
  const concurrency = Number(values.concurrency)
  const seconds = Number(values.seconds)
  const shops: Shop[] = []
  for (const nice of values.nice ? values.nice.split(',') : [undefined]) shops.push(await shop(root, nice))
  try {
    console.log(`making ${values.images} photos of ${values.photo}...`)
    const photos = await makePhotos(root, Number(values.images))
    const measure = (s: Shop) => () => ab(`${s.base}/api/products?limit=20`, seconds, concurrency, path.join(root, 'ab.csv'))
    const base = shops.map((): AbResult[] => [])
    const loaded = shops.map(() => ({ processing: [] as Loaded[], arriving: [] as Loaded[] }))
    for (const s of shops) await ab(`${s.base}/api/products?limit=20`, 2, concurrency, path.join(root, 'warm.csv'))
    for (let r = 1; r <= rounds; r++) {
      for (const [i, s] of shops.entries()) {
        const b = await measure(s)()
        base[i]!.push(b)
        const line = [`round ${r}, nice ${s.nice}: no image work p99 ${b.p99.toFixed(1)} ms ${b.rps.toFixed(0)} req/s`]
        for (const kind of KINDS) {
          const x = await underImageWork(s, photos, kind, measure(s))
          loaded[i]![kind].push(x)
          line.push(`${kind} p99 ${x.ab.p99.toFixed(1)} ms (x${(x.ab.p99 / b.p99).toFixed(2)}) ${x.ab.rps.toFixed(0)} req/s, images done in ${x.imagesSeconds.toFixed(1)} s`)
        }
        console.log(line.join('; '))
      }
    }
    console.log(`\ncached GET /api/products?limit=20, ab -k -c ${concurrency} for ${seconds} s, median of ${rounds} rounds:`)
    const m = <T>(xs: T[], f: (x: T) => number) => median(xs.map(f))
    for (const [i, s] of shops.entries()) {
      const p99 = m(base[i]!, (b) => b.p99)
      const failed = base[i]!.reduce((n, b) => n + b.failed, 0) + KINDS.reduce((n, k) => n + loaded[i]![k].reduce((a, x) => a + x.ab.failed, 0), 0)
      console.log(`  nice ${s.nice}, no image work: p50 ${m(base[i]!, (b) => b.p50).toFixed(1)} ms  p99 ${p99.toFixed(1)} ms  ${m(base[i]!, (b) => b.rps).toFixed(0)} req/s (failed requests in all runs: ${failed})`)
      for (const kind of KINDS) {
        const l = loaded[i]![kind]
        const p99Loaded = m(l, (x) => x.ab.p99)
        console.log(
          `  nice ${s.nice}, ${photos.length} uploads ${kind}: p50 ${m(l, (x) => x.ab.p50).toFixed(1)} ms  p99 ${p99Loaded.toFixed(1)} ms  ${m(l, (x) => x.ab.rps).toFixed(0)} req/s;` +
            ` p99 ratio ${(p99Loaded / p99).toFixed(2)}${kind === 'processing' ? ' (target <= 1.5)' : ''}; by round ${l.map((x, r) => (x.ab.p99 / base[i]![r]!.p99).toFixed(2)).join(', ')};` +
            ` the ${photos.length} images took ${m(l, (x) => x.imagesSeconds).toFixed(1)} s`,
        )
      }
    }
    console.log(`  load average when done: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`)
  } finally {
    for (const s of shops) await s.built.close()
  }
}

/** One `npm start` on an empty data dir: seconds to the first answer, and to every demo product showing a picture. */
async function npmStart(dataDir: string, env: Record<string, string>, waitForPictures: boolean): Promise<{ first: number; pictures?: number }> {
  const started = performance.now()
  // Its own process group, so the stop reaches npm, tsx and node.
  const child = spawn('npm', ['start', '--silent'], { env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', ...env }, detached: true, stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  const port = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(output)
      if (m) resolve(Number(m[1]))
    })
    child.on('exit', (code) => reject(new Error(`npm start exited (${code}): ${output.slice(-2000)}`)))
  })
  try {
    const base = `http://127.0.0.1:${await port}`
    let first = 0
    await until('first answer', async () => (await fetch(`${base}/api/products`).catch(() => undefined))?.ok === true, 60_000, 20)
    first = (performance.now() - started) / 1000
    if (!waitForPictures) return { first }
    await until('every demo product shows a picture', async () => (await productsWithoutPicture(base)) === 0, 600_000, 1000)
    return { first, pictures: (performance.now() - started) / 1000 }
  } finally {
    process.kill(-child.pid!, 'SIGTERM')
    await new Promise((r) => child.once('close', r))
  }
}

async function productsWithoutPicture(base: string): Promise<number> {
  let missing = 0
  let cursor: string | null = null
  do {
    const page = (await (await fetch(`${base}/api/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json()) as {
      items: { images: unknown[] }[]
      nextCursor: string | null
    }
    missing += page.items.filter((p) => p.images.length === 0).length
    cursor = page.nextCursor
  } while (cursor)
  return missing
}

async function firstStart(root: string) {
  const starts = Number(values.starts)
  const shipped: number[] = []
  const pictures: number[] = []
  const baseline: number[] = []
  for (let i = 0; i < starts; i++) {
    const withPictures = await npmStart(path.join(root, `start-${i}`), {}, true)
    shipped.push(withPictures.first)
    pictures.push(withPictures.pictures!)
    baseline.push((await npmStart(path.join(root, `start-${i}-bare`), { BACKGROUND_WORKERS: 'false' }, false)).first)
    console.log(`start ${i + 1}: first answer ${withPictures.first.toFixed(2)} s (every demo product with a picture at ${withPictures.pictures!.toFixed(1)} s); without background work ${baseline.at(-1)!.toFixed(2)} s`)
  }
  console.log(`\nnpm start on an empty DATA_DIR (2,000 products seeded), spawn to the first GET /api/products answer, median of ${starts}:`)
  console.log(`  as shipped (demo pictures in the background): ${median(shipped).toFixed(2)} s (target < 10 s)`)
  console.log(`  BACKGROUND_WORKERS=false (no background work): ${median(baseline).toFixed(2)} s`)
  console.log(`  every demo product shows its picture after:   ${median(pictures).toFixed(1)} s`)
  console.log(`  load average when done: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`)
}

const root = await mkdtemp(path.join(tmpdir(), 'emporium-bench-images-'))
try {
  if (phases.has('latency')) await latency(root)
  if (phases.has('first-start')) await firstStart(root)
} finally {
  await rm(root, { recursive: true, force: true })
}
