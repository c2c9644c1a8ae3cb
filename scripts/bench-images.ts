/**
 * npm run bench:images [-- --rounds 5] [--images 20] [--seconds 6] [--concurrency 8] [--photo 4000x3000]
 *                         [--only latency,first-start] [--nice 19,0]
 *
 * latency: the real app (embedded, 2,000 demo products) and the image pool in
 *   one process, as in `npm start`. Each round measures the cached
 *   GET /api/products?limit=20 with ApacheBench (ab -k, -c --concurrency, for
 *   --seconds) twice: with no image work, then while --images distinct photos
 *   are uploaded at once and processed by the pool. Figures are medians over
 *   the rounds; target: p99 under image work within 1.5x of the p99 without.
 * first-start: time from buildApp() on an empty data dir (seeding 2,000
 *   products) to the first answer of GET /api/products, without the demo
 *   pictures, and with them made during or after the seeding.
 * --nice compares IMAGE_THREAD_NICE values round by round (one pool each).
 * IMAGE_WORKERS, IMAGE_AVIF_EFFORT and IMAGE_THREAD_NICE are read from the environment.
 */
import { execFile } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { Registry } from 'prom-client'
import sharp from 'sharp'
import { buildApp, type BuiltApp } from '../src/app.js'
import { loadConfig } from '../src/platform/config.js'
import { imageConfig } from '../src/services/product/images/config.js'
import { ensureDemoImages } from '../src/services/product/images/demo-images.js'
import { createImages, type Images } from '../src/services/product/images/images.js'
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
  },
})
const phases = new Set(values.only.split(','))
const rounds = Number(values.rounds)
const [photoWidth, photoHeight] = values.photo.split('x').map(Number) as [number, number]
const sh = promisify(execFile)
const appEnv = (dataDir: string, seed: number) => ({
  ...process.env,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  SEED_DEMO_PRODUCTS: String(seed),
  PRODUCT_RATE_LIMIT_MAX: '1000000000',
})

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

async function listen(built: BuiltApp): Promise<string> {
  await built.app.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`
}

interface Loaded {
  ab: AbResult
  imagesSeconds: number
  pendingAtEnd: number
}

/**
 * ab while every photo is processed; then the photos' files are removed for the
 * next round. The uploads are received first: 20 photos streamed from disk at
 * once are a ~60 ms burst of event-loop work (hashing, writes) that real uploads,
 * arriving at network speed, spread out; alone it would weigh on a 6 s p99.
 */
async function underImageWork(images: Images, photos: string[], measure: () => Promise<AbResult>): Promise<Loaded> {
  const uploads = await Promise.all(photos.map((file) => images.receive(createReadStream(file))))
  const started = performance.now()
  let finished = 0
  const jobs = uploads.map(async (upload) => {
    const accepted = await images.process(upload)
    await accepted.done
    finished++
    return accepted.hash
  })
  const result = await measure()
  const pendingAtEnd = photos.length - finished
  const hashes = await Promise.all(jobs)
  const imagesSeconds = (performance.now() - started) / 1000
  // Content-addressed: the next round's identical photos would otherwise be found made.
  for (const hash of hashes) await images.removeFiles(hash)
  return { ab: result, imagesSeconds, pendingAtEnd }
}

async function latency(root: string) {
  const concurrency = Number(values.concurrency)
  const seconds = Number(values.seconds)
  const dataDir = path.join(root, 'latency')
  const built = await buildApp({ services: 'all', env: appEnv(dataDir, 2000), defaultMetrics: false })
  const url = `${await listen(built)}/api/products?limit=20`
  const config = (env: Record<string, string>) => loadConfig(imageConfig, { ...process.env, DATA_DIR: dataDir, ...env })
  // One pool per IMAGE_THREAD_NICE compared; libvips's threads are the process's, each task sets their priority.
  const nices = values.nice ? values.nice.split(',') : [String(config({}).IMAGE_THREAD_NICE)]
  const pools = nices.map((nice) => createImages(config({ IMAGE_THREAD_NICE: nice }), built.deps.metrics.registry))
  try {
    console.log(`making ${values.images} photos of ${values.photo}...`)
    const photos = await makePhotos(root, Number(values.images))
    if (!(await fetch(url)).ok) throw new Error(`${url} does not answer`)
    const measure = () => ab(url, seconds, concurrency, path.join(root, 'ab.csv'))
    await ab(url, 2, concurrency, path.join(root, 'warm.csv'))
    const base: AbResult[] = []
    const loaded: Loaded[][] = nices.map(() => [])
    for (let r = 1; r <= rounds; r++) {
      base.push(await measure())
      for (const [i, images] of pools.entries()) loaded[i]!.push(await underImageWork(images, photos, measure))
      const line = loaded.map((l, i) => {
        const x = l.at(-1)!
        return `nice ${nices[i]}: p99 ${x.ab.p99.toFixed(1)} ms (x${(x.ab.p99 / base.at(-1)!.p99).toFixed(2)}), ${x.ab.rps.toFixed(0)} req/s, ${photos.length} images in ${x.imagesSeconds.toFixed(1)} s (${x.pendingAtEnd} left when ab ended)`
      })
      console.log(`round ${r}: no image work p99 ${base.at(-1)!.p99.toFixed(1)} ms, ${base.at(-1)!.rps.toFixed(0)} req/s; ${line.join('; ')}`)
    }
    const basePercentile = (k: 'p50' | 'p99' | 'rps') => median(base.map((b) => b[k]))
    console.log(`\ncached GET /api/products?limit=20, ab -k -c ${concurrency} for ${seconds} s, median of ${rounds} rounds:`)
    console.log(`  no image work:         p50 ${basePercentile('p50').toFixed(1)} ms  p99 ${basePercentile('p99').toFixed(1)} ms  ${basePercentile('rps').toFixed(0)} req/s`)
    for (const [i, l] of loaded.entries()) {
      const m = (f: (x: Loaded) => number) => median(l.map(f))
      const ratios = l.map((x, r) => (x.ab.p99 / base[r]!.p99).toFixed(2)).join(', ')
      console.log(
        `  ${photos.length} images, nice ${nices[i]}: p50 ${m((x) => x.ab.p50).toFixed(1)} ms  p99 ${m((x) => x.ab.p99).toFixed(1)} ms  ${m((x) => x.ab.rps).toFixed(0)} req/s;` +
          ` p99 ratio ${(m((x) => x.ab.p99) / basePercentile('p99')).toFixed(2)} (target <= 1.5; by round ${ratios});` +
          ` images ${m((x) => x.imagesSeconds).toFixed(1)} s (${(m((x) => x.imagesSeconds) / photos.length).toFixed(2)} s each)`,
      )
    }
    console.log(`  load average when done: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`)
    await printVariantTimes(pools[0]!)
  } finally {
    for (const images of pools) await images.close()
    await built.close()
  }
}

async function printVariantTimes(images: Images) {
  const { values: samples } = await images.metrics.variantSeconds.get()
  const per = (suffix: string, labels: Record<string, string | number | undefined>) =>
    samples.find((s) => s.metricName?.endsWith(suffix) && s.labels.format === labels.format && s.labels.width === labels.width)?.value ?? 0
  const rows = samples.filter((s) => s.metricName?.endsWith('_count')).map((s) => s.labels)
  console.log('  mean time per variant (encode + write):')
  for (const labels of rows) {
    console.log(`    ${String(labels.width).padStart(5)} ${String(labels.format).padEnd(5)} ${((per('_sum', labels) / per('_count', labels)) * 1000).toFixed(0)} ms`)
  }
}

/**
 * Time to the first answer of a fresh app, as on a first `npm start`: without
 * demo pictures; with them made from the start (alongside the seeding); and
 * with them started once the seeding is done, as the product service will.
 */
async function firstStart(root: string) {
  const kinds = ['plain', 'during-seed', 'after-seed'] as const
  const runs: Record<(typeof kinds)[number], number[]> = { plain: [], 'during-seed': [], 'after-seed': [] }
  const demoSeconds: number[] = []
  // Uncounted: the first app of a process pays for loading and compiling the code.
  await (await buildApp({ services: 'all', env: appEnv(path.join(root, 'first-warm'), 2000), defaultMetrics: false })).close()
  for (let r = 0; r < kinds.length * rounds; r++) {
    const kind = kinds[r % kinds.length]!
    const dataDir = path.join(root, `first-${r}`)
    const started = performance.now()
    const images = createImages(loadConfig(imageConfig, { ...process.env, DATA_DIR: dataDir }), new Registry())
    const makeDemo = () => ensureDemoImages(images).then(() => demoSeconds.push((performance.now() - started) / 1000))
    const demo = kind === 'during-seed' ? makeDemo() : undefined
    const built = await buildApp({ services: 'all', env: appEnv(dataDir, 2000), defaultMetrics: false })
    const later = kind === 'after-seed' ? makeDemo() : demo
    const res = await fetch(`${await listen(built)}/api/products?limit=20`)
    runs[kind].push((performance.now() - started) / 1000)
    if (!res.ok) throw new Error(`first answer: ${res.status}`)
    await later
    await built.close()
    await images.close()
  }
  console.log(`\nfirst start (fresh data dir, 2,000 products seeded): buildApp() to the first GET /api/products answer, median of ${rounds}:`)
  console.log(`  without demo pictures:                       ${median(runs.plain).toFixed(2)} s`)
  console.log(`  demo pictures made during the seeding:       ${median(runs['during-seed']).toFixed(2)} s`)
  console.log(`  demo pictures started after the seeding:     ${median(runs['after-seed']).toFixed(2)} s`)
  console.log(`  the 34 demo pictures took ${median(demoSeconds).toFixed(1)} s (median, from buildApp())`)
}

const root = await mkdtemp(path.join(tmpdir(), 'emporium-bench-images-'))
try {
  if (phases.has('latency')) await latency(root)
  if (phases.has('first-start')) await firstStart(root)
} finally {
  await rm(root, { recursive: true, force: true })
}
