/**
 * npm run loadtest [-- --quick] [--target URL|embedded] [--out DIR] [--no-embedded] [--ceiling-port N]
 *
 * The seed's load test and success metrics as one run (docs/performance.md):
 * its two ApacheBench scenarios on /api/products through nginx (TLS), HTTP/2 with
 * h2load, an uncached search scenario and a mixed shopper scenario, each next to
 * nginx serving the same bytes as a static file (the ceiling) and, for the seed's
 * scenarios, next to the embedded shop. Meanwhile it samples every service's
 * processes, cache hit rates, queues, outboxes and pools. Writes
 * reports/loadtest-<date>.json and .html, prints the table against the seed's targets.
 * Default target: the topology `npm run prod:start` runs. Every loop is bounded.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { pm2List } from './prod/pm2.js'
import { keptSecrets, loadSettings, ROOT } from './prod/settings.js'
import { readState } from './prod/state.js'
import { startCeiling, type Ceiling } from './loadtest/ceiling.js'
import { startEmbedded, type Embedded } from './loadtest/embedded.js'
import { loopbackAddresses, runLoad, type LoadResult, type LoadSpec } from './loadtest/generator.js'
import { runH2load, type H2Result } from './loadtest/h2load.js'
import { mailboxEmails, topologyProbes } from './loadtest/probes.js'
import { writeReport, type RunReport } from './loadtest/report.js'
import { AppCacheCounter, EdgeCacheCounter, startSampler, type ProcessGroup } from './loadtest/sampler.js'
import { runMixed, type MixedResult } from './loadtest/shopper.js'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    target: { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'reports') },
    'no-embedded': { type: 'boolean', default: false },
    'ceiling-port': { type: 'string' },
    'data-dir': { type: 'string' },
  },
})
const quick = values.quick
const SIZES = quick
  ? { seed1: [500, 100], seed2: [2000, 200], h2: 1000, uncached: [100, 10], shoppers: 10, actions: 8, maxSeconds: 15, emailWait: 20 }
  : { seed1: [10_000, 1000], seed2: [50_000, 2000], h2: 15_000, uncached: [3000, 50], shoppers: 200, actions: 25, maxSeconds: 90, emailWait: 60 }
const settings = loadSettings({ forStart: false })
const require = createRequire(import.meta.url)
const { SERVICES: TOPOLOGY_SERVICES } = require('../deploy/topology.cjs') as typeof import('../deploy/topology.cjs')
const connPerIp = Math.min(20, settings.connPerIp)
const addresses = loopbackAddresses()
const stopList: (() => Promise<void>)[] = []
// Progress bars on a terminal only; CI's log gets one line per scenario.
const tty = Boolean(process.stdout.isTTY)
const bars = new cliProgress.MultiBar({ format: '{name} |{bar}| {value}/{total} {unit}', hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic)
const progressBar = (total: number, name: string, unit: string) => (tty ? bars.create(total, 0, { name: name.padEnd(34), unit }) : { update: (_n: number) => {}, stop: () => {} })
const log = (line: string) => (tty ? bars.log(`${line}\n`) : console.log(line))

async function main(): Promise<number> {
  const runId = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)
  const state = readState()
  let kind: RunReport['target']['kind']
  let base: string
  let embedded: Embedded | undefined
  const dataDir = path.resolve(values['data-dir'] ?? path.join(settings.dirs.state, 'loadtest', 'embedded'))
  if (values.target === 'embedded') {
    kind = 'embedded'
    log(`starting the embedded shop (DATA_DIR ${dataDir})`)
    embedded = await startEmbedded(dataDir)
    stopList.push(() => embedded!.stop())
    base = embedded.base
  } else if (values.target) {
    kind = 'external'
    base = values.target.replace(/\/$/, '')
  } else if (state?.nginx) {
    kind = 'topology'
    // The certificate names localhost; the clients connect to the address and send that name.
    base = `https://${settings.topology.nginx.address}:${settings.topology.nginx.port}`
  } else {
    console.error('loadtest: no topology is running: npm run prod:start first, or --target URL, or --target embedded')
    return 2
  }
  const secure = base.startsWith('https:')

  const sample = await fetchOnce(`${base}/api/products`)
  log(`target ${base} (${kind}): GET /api/products answers ${sample.body.length} bytes`)
  const ceiling: Ceiling = startCeiling({
    dir: path.join(settings.dirs.state, 'loadtest', `ceiling-${process.pid}`),
    address: '127.0.1.1',
    port: Number(values['ceiling-port'] ?? settings.topology.nginx.port),
    secure,
    cert: settings.tls.cert,
    key: settings.tls.key,
    body: sample.body,
    contentType: sample.contentType,
    workers: settings.env.NGINX_WORKERS ?? 'auto',
    connPerIp: settings.connPerIp,
  })
  stopList.push(() => ceiling.stop())
  let side: Embedded | undefined
  if (kind === 'topology' && !values['no-embedded']) {
    log(`starting the embedded shop for the side-by-side figures (DATA_DIR ${dataDir})`)
    side = await startEmbedded(dataDir)
    stopList.push(() => side!.stop())
  }

  // What is sampled: PM2's processes (topology) or the embedded shop's.
  const groups: ProcessGroup[] = []
  let appCache: AppCacheCounter
  let probes: Awaited<ReturnType<typeof topologyProbes>> | undefined
  let edge: EdgeCacheCounter | undefined
  if (kind === 'topology') {
    for (const svc of state!.services) groups.push({ service: svc.service, pids: async () => (await pm2List(settings.dirs.pm2)).filter((p) => p.name === svc.app && p.pid > 0).map((p) => p.pid) })
    const metricsToken = settings.env.METRICS_TOKEN ?? keptSecrets(settings.dirs.state).METRICS_TOKEN
    appCache = new AppCacheCounter(state!.services.filter((s) => s.service === 'product').map((s) => ({ url: `${s.url}/metrics`, instances: s.instances })), metricsToken)
    edge = new EdgeCacheCounter(path.join(settings.dirs.logs, 'nginx-access.log'))
    probes = await topologyProbes(state!.urls)
    stopList.push(() => probes!.close())
  } else {
    appCache = new AppCacheCounter(embedded ? [{ url: `${embedded.base}/metrics`, instances: 1 }] : [], embedded?.metricsToken)
    if (embedded) groups.push({ service: 'embedded', pids: async () => [embedded!.pid] })
  }
  if (side) groups.push({ service: 'embedded (side by side)', pids: async () => [side!.pid] })
  const restartsBefore = kind === 'topology' ? await pm2Restarts() : undefined
  const sampler = startSampler({ groups, appCache, edge, extra: probes?.sample, intervalMs: quick ? 1000 : 2000 })
  const windows: Record<string, [number, number]> = {}

  const load = async (name: string, url: string, pathOf: (i: number) => string, [requests, concurrency]: number[], keepAlive: boolean): Promise<LoadResult> => {
    const bar = progressBar(requests!, name, 'requests')
    const t0 = sampler.now()
    const spec: LoadSpec = { name, base: url, path: pathOf, requests: requests!, concurrency: concurrency!, keepAlive, maxSeconds: SIZES.maxSeconds, addresses, perAddress: connPerIp, onProgress: (n) => bar.update(n) }
    const r = await runLoad(spec)
    bar.stop()
    windows[name] = [t0, sampler.now()]
    log(`${name}: ${Math.round(r.rps)} req/s, p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms, ${r.failed} failed${r.failures.length ? ` (${r.failures[0]})` : ''}`)
    return r
  }
  const products = () => '/api/products'
  // Uncounted warm-up: connections, JIT, caches.
  for (const url of [ceiling.base, base, ...(side ? [side.base] : [])]) {
    await runLoad({ name: 'warm-up', base: url, path: products, requests: 200, concurrency: 20, keepAlive: true, maxSeconds: 20, addresses, perAddress: connPerIp })
  }
  const scenarios: Record<string, LoadResult> = {}
  const ab1 = `ab -n ${SIZES.seed1[0]} -c ${SIZES.seed1[1]}`
  const ab2 = `ab -n ${SIZES.seed2[0]} -c ${SIZES.seed2[1]} -k`
  scenarios['ceiling: ' + ab1] = await load(`ceiling ${ab1}`, ceiling.base, products, SIZES.seed1, false)
  scenarios['shop: ' + ab1] = await load(`shop ${ab1}`, base, products, SIZES.seed1, false)
  if (side) scenarios['embedded: ' + ab1] = await load(`embedded ${ab1}`, side.base, products, SIZES.seed1, false)
  scenarios['ceiling: ' + ab2] = await load(`ceiling ${ab2}`, ceiling.base, products, SIZES.seed2, true)
  scenarios['shop: ' + ab2] = await load(`shop ${ab2}`, base, products, SIZES.seed2, true)
  if (side) scenarios['embedded: ' + ab2] = await load(`embedded ${ab2}`, side.base, products, SIZES.seed2, true)
  const h2: Record<string, H2Result> = {}
  if (secure) {
    for (const [who, url] of [['ceiling', ceiling.base], ['shop', base]] as const) {
      const t0 = sampler.now()
      // 16 connections of one stream each: nginx ends an HTTP/2 connection after 1,000 requests
      // (http2_max_requests) and h2load does not open another, so each does at most 1,000.
      h2[who] = await runH2load(`${who} h2load -n ${SIZES.h2} -c 16 -m 1`, `${url}/api/products`, SIZES.h2, 16, 1, SIZES.maxSeconds)
      windows[h2[who]!.name] = [t0, sampler.now()]
      log(`${h2[who]!.name}: ${Math.round(h2[who]!.rps)} req/s, mean ${h2[who]!.latencyMs.mean.toFixed(1)} ms, ${h2[who]!.failed} failed`)
    }
  }
  // Searches that miss every cache: each one a query no one asked before (nginx and the app key on the URL).
  const words = ['chair', 'lamp', 'boots', 'headphones', 'desk', 'jacket', 'watch', 'wireless', 'leather', 'table']
  const uncachedPath = (i: number) => `/api/products?q=${words[i % words.length]}&minPrice=${(i * 7919 + Number(runId.slice(-6))) % 100_000}&limit=20`
  scenarios['shop: uncached search'] = await load('shop uncached search', base, uncachedPath, SIZES.uncached, true)

  const bar = progressBar(SIZES.shoppers * SIZES.actions, 'shop mixed shoppers', 'actions')
  const t0 = sampler.now()
  const mixed: MixedResult = await runMixed({
    base,
    shoppers: SIZES.shoppers,
    actions: SIZES.actions,
    maxSeconds: SIZES.maxSeconds * 2,
    addresses,
    runId,
    emailsSent: probes ? (r) => probes!.emailsSent(r) : embedded ? mailboxEmails(embedded.dataDir) : async () => NaN,
    emailWaitSeconds: SIZES.emailWait,
    onProgress: (n) => bar.update(n),
  })
  bar.stop()
  windows['mixed'] = [t0, sampler.now()]
  log(`mixed: ${mixed.requests} requests, ${Math.round(mixed.rps)} req/s, p99 ${mixed.latencyMs.p99.toFixed(0)} ms, ${mixed.failed} failed, ${mixed.orders} orders, oversold ${mixed.oversold}, e-mails ${mixed.emailsSent}/${mixed.emailsExpected}`)
  const samples = await sampler.stop()
  const restartsAfter = kind === 'topology' ? await pm2Restarts() : undefined
  bars.stop()

  mkdirSync(values.out, { recursive: true })
  const report: RunReport = {
    date: new Date().toISOString(),
    quick,
    target: { kind, base, ceiling: ceiling.base, embedded: side?.base ?? embedded?.base },
    limits: {
      nginxConnPerIp: settings.connPerIp,
      clientsPerAddressMax: connPerIp,
      sourceAddresses: `${addresses[0]} - ${addresses.at(-1)}`,
      rateLimits: 'unchanged (the services\' configured per-client limits; nothing raised for the run)',
      h2load: 'from 127.0.0.1, 16 connections x 1 stream = 16 < 20',
    },
    topology: kind === 'topology' ? TOPOLOGY_SERVICES.map((s) => ({ app: s.app, instances: state!.services.find((x) => x.app === s.app)?.instances ?? 0 })) : undefined,
    scenarios,
    h2,
    mixed,
    samples,
    windows,
    restarts: restartsBefore && restartsAfter ? Object.fromEntries(Object.entries(restartsAfter).map(([k, v]) => [k, v - (restartsBefore[k] ?? 0)])) : undefined,
    online: kind === 'topology' ? await pm2Online() : undefined,
  }
  const { failed } = writeReport(report, { out: values.out, writeDocs: !quick && kind === 'topology' && values.out === path.join(ROOT, 'reports'), log: console.log })
  return failed ? 1 : 0
}

async function pm2Restarts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const p of await pm2List(settings.dirs.pm2)) out[p.name] = (out[p.name] ?? 0) + p.pm2_env.restart_time
  return out
}

async function pm2Online(): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const list = await pm2List(settings.dirs.pm2)
  for (const name of new Set(list.map((p) => p.name))) {
    const mine = list.filter((p) => p.name === name)
    out[name] = `${mine.filter((p) => p.pm2_env.status === 'online').length}/${mine.length}`
  }
  return out
}

async function fetchOnce(url: string): Promise<{ body: Buffer; contentType: string }> {
  const { default: https } = await import('node:https')
  const { default: http } = await import('node:http')
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get
    const req = get(url, { rejectUnauthorized: false, servername: 'localhost', timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => (res.statusCode === 200 ? resolve({ body: Buffer.concat(chunks), contentType: String(res.headers['content-type'] ?? 'application/json').split(';')[0]! }) : reject(new Error(`GET ${url}: ${res.statusCode}`))))
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in 15 s`)))
    req.on('error', reject)
  })
}

main()
  .then(
    (code) => code,
    (err: Error) => {
      bars.stop()
      console.error(`loadtest: ${err.stack ?? err.message}`)
      return 1
    },
  )
  .then(async (code) => {
    // Everything this run started, in reverse; each step tried even if one before failed.
    for (const stop of stopList.reverse()) await stop().catch((err: Error) => console.error(`loadtest: stopping: ${err.message}`))
    process.exit(code)
  })
