/**
 * npm run lighthouse [-- --runs 3 --out docs] [--only home,cart] [--lhr <dir>]
 *
 * Measures the storefront with Lighthouse 12.2.3 (12 runs on Node 20; 13 needs
 * Node 22) in Debian's Chromium (/usr/bin/chromium, headless; CHROME_PATH
 * overrides): the home page, a category page, a product page and the cart with
 * an item in it, each --runs times (default 3), with Lighthouse's default
 * settings, i.e. the mobile profile (a phone's screen, simulated slow 4G and a
 * 4x slower CPU). The median of each category's score over the runs is written
 * to <out>/lighthouse.json and <out>/lighthouse.md and printed.
 *
 * The shop is `npm start`'s embedded shop (2,000 demo products) on an empty
 * data directory in /tmp, listening on 127.0.0.1 on a port the kernel picks;
 * the measurement starts once the demo pictures the four pages show are made.
 * --only measures some of the pages; --lhr keeps Lighthouse's full JSON report
 * of every run in <dir> (open it in the Lighthouse viewer to see each audit).
 * Not part of npm test: a measurement, noisy on a busy machine (run it alone).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import * as chromeLauncher from 'chrome-launcher'
import lighthouse from 'lighthouse'
import { CATEGORIES, lighthouseMarkdown, median, TARGETS, type LighthouseReport, type PageResult, type Scores } from './lighthouse-report.js'

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' }, out: { type: 'string', default: 'docs' }, lhr: { type: 'string' }, only: { type: 'string' } } })
const RUNS = Number(args.runs)
const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium'
const CHROME_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

interface Shop {
  base: string
  child: ChildProcess
}

/** `npm start`'s process on its own data directory; resolves with its address once it listens. */
async function startShop(dataDir: string): Promise<Shop> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'all'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the shop did not listen within 180 s')), 180_000)
    child.on('message', (m: { event?: string; port?: number }) => {
      if (m?.event === 'listening' && typeof m.port === 'number') {
        clearTimeout(timer)
        resolve(m.port)
      }
    })
    child.on('exit', (code) => reject(new Error(`the shop exited with ${code} before listening`)))
  })
  return { base: `http://127.0.0.1:${port}`, child }
}

async function stopShop(shop: Shop) {
  if (shop.child.exitCode !== null) return
  const exited = once(shop.child, 'exit')
  shop.child.kill('SIGTERM')
  await exited
}

async function api<T>(base: string, pathAndQuery: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${base}${pathAndQuery}`, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } })
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${pathAndQuery}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

interface ApiProduct {
  id: number
  slug: string
  images: unknown[]
}

/**
 * The four pages, chosen from the catalog as a visitor would find them, once the
 * products they show have their pictures (made in the background after the
 * first start: ~30 s here), so every run measures the same page.
 */
async function choosePages(base: string): Promise<{ name: string; path: string; cookie?: string }[]> {
  const deadline = Date.now() + 300_000
  for (;;) {
    const [deals, best, categories] = await Promise.all([
      api<{ items: ApiProduct[] }>(base, '/api/deals?limit=8'),
      api<{ items: ApiProduct[] }>(base, '/api/recommendations?limit=8'),
      api<{ items: { slug: string; productCount: number }[] }>(base, '/api/categories'),
    ])
    const category = categories.items.find((c) => c.productCount > 0)
    const listed = category ? await api<{ items: ApiProduct[] }>(base, `/api/products?category=${category.slug}&limit=20`) : { items: [] }
    const shown = [...deals.items, ...best.items, ...listed.items]
    if (category && best.items[0] && shown.every((p) => p.images.length > 0)) {
      const product = best.items[0]
      // A guest's cart with one item, as the storefront keeps it: the cart token in its cookie.
      const cart = await api<{ token: string }>(base, '/api/cart/items', { method: 'POST', body: JSON.stringify({ productId: product.id, quantity: 1 }) })
      const cartPage = await (await fetch(`${base}/cart`, { headers: { cookie: `emp_cart=${cart.token}` } })).text()
      if (!cartPage.includes('Subtotal (1 item)')) throw new Error('the cart page does not show the item put in the cart')
      return [
        { name: 'home', path: '/' },
        { name: 'category', path: `/category/${category.slug}` },
        { name: 'product', path: `/products/${product.slug}` },
        { name: 'cart', path: '/cart', cookie: `emp_cart=${cart.token}` },
      ]
    }
    if (Date.now() > deadline) throw new Error('the demo pictures were not made within 5 minutes')
    await new Promise((r) => setTimeout(r, 1000))
  }
}

interface Run {
  scores: Scores
  metrics: Record<string, number>
  flagged: { id: string; title: string; score: number | null; displayValue?: string }[]
}

const METRICS = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index'] as const

async function measure(port: number, url: string, cookie: string | undefined, lhrFile: string | undefined): Promise<Run> {
  const result = await lighthouse(url, {
    port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: [...CATEGORIES],
    ...(cookie ? { extraHeaders: { Cookie: cookie } } : {}),
  })
  if (!result) throw new Error(`Lighthouse gave no result for ${url}`)
  const lhr = result.lhr
  if (lhrFile) await writeFile(lhrFile, typeof result.report === 'string' ? result.report : JSON.stringify(lhr))
  if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`)
  const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)])) as Scores
  const metrics = Object.fromEntries(METRICS.map((m) => [m, lhr.audits[m]?.numericValue ?? NaN]))
  // What keeps a category below 100: every audit of the four categories that did not pass.
  const ids = new Set(CATEGORIES.flatMap((c) => lhr.categories[c]?.auditRefs.filter((r) => r.weight > 0 || c !== 'performance').map((r) => r.id) ?? []))
  const flagged = [...ids]
    .map((id) => lhr.audits[id]!)
    .filter((a) => a && a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative' && a.scoreDisplayMode !== 'notApplicable' && a.scoreDisplayMode !== 'manual')
    .map((a) => ({ id: a.id, title: a.title, score: a.score, ...(a.displayValue ? { displayValue: a.displayValue } : {}) }))
  return { scores, metrics, flagged }
}

/**
 * One run in a Chromium of its own (a fresh profile: nothing cached from the run
 * before). Lighthouse sometimes fails to record the trace (NO_NAVSTART, NO_FCP on
 * a busy machine): such a run is tried again, twice at most, and said so.
 */
async function measureWithRetry(url: string, cookie: string | undefined, lhrFile: string | undefined): Promise<Run> {
  for (let attempt = 1; ; attempt++) {
    const chrome = await chromeLauncher.launch({ chromePath: CHROME, chromeFlags: CHROME_FLAGS })
    try {
      return await measure(chrome.port, url, cookie, lhrFile)
    } catch (err) {
      if (attempt >= 3 || !/^Lighthouse: /.test((err as Error).message)) throw err
      console.log(`  ${(err as Error).message.split(' ').slice(0, 2).join(' ')}: trying that run again`)
    } finally {
      await chrome.kill()
    }
  }
}

async function main() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'emporium-lighthouse-'))
  const shop = await startShop(dataDir)
  let chrome: chromeLauncher.LaunchedChrome | undefined
  try {
    console.log(`shop at ${shop.base}; waiting for the demo pictures...`)
    const pages = await choosePages(shop.base)
    chrome = await chromeLauncher.launch({ chromePath: CHROME, chromeFlags: CHROME_FLAGS })
    const version = (await (await fetch(`http://127.0.0.1:${chrome.port}/json/version`)).json()) as { Browser: string }
    await chrome.kill()
    chrome = undefined
    const results: PageResult[] = []
    for (const page of pages.filter((p) => !args.only || args.only.split(',').includes(p.name))) {
      const runs: Run[] = []
      for (let i = 0; i < RUNS; i++) {
        runs.push(await measureWithRetry(`${shop.base}${page.path}`, page.cookie, args.lhr ? path.join(args.lhr, `${page.name}-${i + 1}.json`) : undefined))
        console.log(`${page.name} run ${i + 1}/${RUNS}: ${CATEGORIES.map((c) => `${c} ${runs.at(-1)!.scores[c]}`).join(', ')}`)
      }
      const scores = Object.fromEntries(CATEGORIES.map((c) => [c, median(runs.map((r) => r.scores[c]))])) as Scores
      // The run whose performance is the median one tells what was flagged.
      const middle = [...runs].sort((a, b) => a.scores.performance - b.scores.performance)[Math.floor(runs.length / 2)]!
      results.push({
        name: page.name,
        path: page.path,
        scores,
        runs: runs.map((r) => r.scores),
        metrics: Object.fromEntries(METRICS.map((m) => [m, median(runs.map((r) => r.metrics[m]!))])),
        flagged: middle.flagged,
      })
    }
    const report: LighthouseReport = {
      date: new Date().toISOString(),
      lighthouse: '12.2.3',
      browser: version.Browser,
      profile: 'mobile (Lighthouse default: Moto G Power-sized screen, simulated slow 4G, 4x CPU slowdown)',
      runsPerPage: RUNS,
      targets: TARGETS,
      pages: results,
    }
    await writeFile(path.join(args.out!, 'lighthouse.json'), `${JSON.stringify(report, null, 2)}\n`)
    const markdown = lighthouseMarkdown(report)
    await writeFile(path.join(args.out!, 'lighthouse.md'), markdown)
    console.log(`\n${markdown}`)
  } finally {
    await chrome?.kill()
    await stopShop(shop)
    await rm(dataDir, { recursive: true, force: true })
  }
}

await main()
