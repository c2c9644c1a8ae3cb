import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { LoadResult } from './generator.js'
import type { H2Result } from './h2load.js'
import { renderHtml } from './html.js'
import type { Sample } from './sampler.js'
import type { MixedResult } from './shopper.js'

export interface RunReport {
  date: string
  quick: boolean
  target: { kind: 'topology' | 'embedded' | 'external'; base: string; ceiling: string; embedded?: string }
  limits: Record<string, string | number>
  topology?: { app: string; instances: number }[]
  scenarios: Record<string, LoadResult>
  h2: Record<string, H2Result>
  mixed: MixedResult
  samples: Sample[]
  /** Each scenario's start and end on the sampler's clock (seconds). */
  windows: Record<string, [number, number]>
  restarts?: Record<string, number>
  online?: Record<string, string>
}

export interface TargetRow {
  metric: string
  target: string
  measured: string
  pass: boolean | null
}

export const machine = () =>
  `${os.availableParallelism()} x ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : 'n/a')
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/a')

/** Sum of a counter's increase over the windows (the last sample at or before each start, the first at or after each end). */
export function counterDelta(samples: Sample[], windows: [number, number][], read: (s: Sample) => number): number {
  let total = 0
  for (const [t0, t1] of windows) {
    const before = [...samples].reverse().find((s) => s.t <= t0) ?? samples[0]
    const after = samples.find((s) => s.t >= t1) ?? samples.at(-1)
    if (before && after) total += read(after) - read(before)
  }
  return total
}

function inWindows(samples: Sample[], windows: [number, number][]): Sample[] {
  return samples.filter((s) => windows.some(([a, b]) => s.t >= a && s.t <= b + 2.5))
}

const edgeHits = (s: Sample) => (s.edge.HIT ?? 0) + (s.edge.UPDATING ?? 0) + (s.edge.STALE ?? 0)
const edgeAll = (s: Sample) => Object.values(s.edge).reduce((a, b) => a + b, 0)

export function evaluate(r: RunReport): { rows: TargetRow[]; ratios: Record<string, number> } {
  const rows: TargetRow[] = []
  const keys = Object.keys(r.scenarios)
  const seed1 = keys.filter((k) => k.startsWith('shop: ab') && !k.endsWith('-k'))[0]
  const seed2 = keys.filter((k) => k.startsWith('shop: ab') && k.endsWith('-k'))[0]
  const ratios: Record<string, number> = {}
  for (const k of keys) {
    const [who, scenario] = k.split(': ') as [string, string]
    const ceiling = r.scenarios[`ceiling: ${scenario}`]
    if (who !== 'ceiling' && ceiling) ratios[k] = r.scenarios[k]!.rps / ceiling.rps
  }
  if (r.h2.shop && r.h2.ceiling) ratios['shop: HTTP/2 (h2load)'] = r.h2.shop.rps / r.h2.ceiling.rps

  const shopRuns = keys.filter((k) => !k.startsWith('ceiling')).map((k) => r.scenarios[k]!)
  const failed = shopRuns.reduce((n, s) => n + s.failed, 0) + r.mixed.failed + (r.h2.shop?.failed ?? 0)
  const requests = shopRuns.reduce((n, s) => n + s.complete, 0) + r.mixed.requests + (r.h2.shop?.complete ?? 0)
  rows.push({ metric: 'failed requests, every scenario (non-2xx/304, errors, not sent)', target: '0', measured: `${failed} of ${n0(requests)}`, pass: failed === 0 })
  for (const key of [seed1, seed2]) {
    if (!key) continue
    const s = r.scenarios[key]!
    rows.push({ metric: `${key.slice(6)}: requests/s`, target: '5,000-10,000+', measured: `${n0(s.rps)} (${pct(ratios[key] ?? NaN)} of the ceiling)`, pass: s.rps >= 5000 })
  }
  if (seed1) {
    const s = r.scenarios[seed1]!
    rows.push({ metric: '1000+ concurrent users, 0 failed', target: '>= 1000 clients', measured: `${s.concurrency} clients, ${s.failed} failed`, pass: s.concurrency >= 1000 && s.failed === 0 })
  }
  if (seed2) {
    const s = r.scenarios[seed2]!
    rows.push({ metric: `cached response time (${seed2.slice(6)}), p50`, target: '< 50 ms', measured: `p50 ${s.latencyMs.p50.toFixed(1)} ms, p99 ${s.latencyMs.p99.toFixed(1)} ms`, pass: s.latencyMs.p50 < 50 })
  }
  const uncached = r.scenarios['shop: uncached search']
  if (uncached) rows.push({ metric: `uncached search (c=${uncached.concurrency}), p99`, target: '< 200 ms', measured: `p50 ${uncached.latencyMs.p50.toFixed(1)} ms, p99 ${uncached.latencyMs.p99.toFixed(1)} ms, ${n0(uncached.rps)} req/s`, pass: uncached.latencyMs.p99 < 200 })
  rows.push({ metric: `response times, mixed shoppers (${r.mixed.shoppers}), p99`, target: '< 200 ms', measured: `p50 ${r.mixed.latencyMs.p50.toFixed(1)} ms, p99 ${r.mixed.latencyMs.p99.toFixed(1)} ms`, pass: r.mixed.latencyMs.p99 < 200 })
  rows.push({
    metric: 'mixed: oversold / orders / e-mails sent',
    target: '0 oversold, every e-mail',
    measured: `${r.mixed.oversold} oversold, ${r.mixed.stockMismatches.length} stock mismatches, ${r.mixed.orders} orders, ${r.mixed.emailsSent}/${r.mixed.emailsExpected} e-mails`,
    pass: r.mixed.oversold === 0 && r.mixed.stockMismatches.length === 0 && r.mixed.emailsSent >= r.mixed.emailsExpected,
  })

  // Hit rates over the traffic the seed means (its scenarios and the shoppers), not the deliberate misses.
  const hitWindows = Object.entries(r.windows).filter(([k]) => k.startsWith('shop ab') || k.startsWith('shop h2load') || k === 'mixed').map(([, w]) => w)
  const appHit = counterDelta(r.samples, hitWindows, (s) => s.appCache.hit)
  const appAll = appHit + counterDelta(r.samples, hitWindows, (s) => s.appCache.miss)
  const eHit = counterDelta(r.samples, hitWindows, edgeHits)
  const eAll = counterDelta(r.samples, hitWindows, edgeAll)
  const combined = eAll > 0 ? (eHit + appHit) / eAll : appAll > 0 ? appHit / appAll : NaN
  rows.push({
    metric: 'cache hit rate (seed + mixed scenarios): edge + app cache',
    target: '> 80 %',
    measured: `${pct(combined)} of catalog reads (nginx ${pct(eAll ? eHit / eAll : NaN)}; app cache ${pct(appAll ? appHit / appAll : NaN)} of the ${n0(appAll)} reads that reached it)`,
    pass: Number.isFinite(combined) ? combined > 0.8 : null,
  })
  const loadSamples = inWindows(r.samples, Object.values(r.windows))
  // The seed's limits are for the topology's services; the side-by-side embedded shop is shown in the HTML report.
  const services = [...new Set(r.samples.flatMap((s) => Object.keys(s.services)))].filter((s) => !s.includes('side by side'))
  const memMax = (svc: string) => Math.max(0, ...r.samples.map((s) => s.services[svc]?.maxInstanceRssMb ?? 0))
  const memTotal = (svc: string) => Math.max(0, ...r.samples.map((s) => s.services[svc]?.rssMb ?? 0))
  const cpuPeak = (svc: string) => Math.max(0, ...loadSamples.map((s) => s.services[svc]?.cpu ?? 0))
  if (services.length) {
    const worstMem = Math.max(...services.map(memMax))
    rows.push({ metric: 'memory per service (largest instance, peak RSS)', target: '< 500 MB', measured: services.map((s) => `${s} ${n0(memMax(s))} (all ${n0(memTotal(s))})`).join(', ') + ' MB', pass: worstMem < 500 })
    const worstCpu = Math.max(...services.map(cpuPeak))
    const machinePeak = Math.max(0, ...loadSamples.map((s) => s.cpuMachine))
    rows.push({ metric: 'CPU per service under peak load (% of the machine)', target: '< 70 %', measured: `${services.map((s) => `${s} ${cpuPeak(s).toFixed(0)}`).join(', ')} %; whole machine ${machinePeak.toFixed(0)} %`, pass: worstCpu < 70 })
  }
  if (r.online) {
    const restarts = Object.values(r.restarts ?? {}).reduce((a, b) => a + b, 0)
    const allOnline = Object.values(r.online).every((v) => v.split('/')[0] === v.split('/')[1])
    rows.push({ metric: 'PM2: every service online, no restart during the run', target: 'online, 0 restarts', measured: `${Object.entries(r.online).map(([k, v]) => `${k} ${v}`).join(', ')}; ${restarts} restarts`, pass: allOnline && restarts === 0 })
  }
  return { rows, ratios }
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')
}

function scenarioRows(r: RunReport, ratios: Record<string, number>): string[][] {
  const rows = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'failed', 'ratio to ceiling']]
  for (const [k, s] of Object.entries(r.scenarios)) rows.push([k, n0(s.rps), s.latencyMs.p50.toFixed(1), s.latencyMs.p99.toFixed(1), String(s.failed), ratios[k] === undefined ? '' : ratios[k]!.toFixed(2)])
  for (const h of Object.values(r.h2)) rows.push([h.name, n0(h.rps), `mean ${h.latencyMs.mean.toFixed(1)}`, `max ${h.latencyMs.max.toFixed(0)}`, String(h.failed), h.name.startsWith('shop') ? (ratios['shop: HTTP/2 (h2load)'] ?? NaN).toFixed(2) : ''])
  rows.push([`mixed shoppers (${r.mixed.shoppers})`, n0(r.mixed.rps), r.mixed.latencyMs.p50.toFixed(1), r.mixed.latencyMs.p99.toFixed(1), String(r.mixed.failed), ''])
  return rows
}

const md = (rows: string[][]) => [rows[0]!, rows[0]!.map(() => '---'), ...rows.slice(1)].map((r) => `| ${r.join(' | ')} |`).join('\n')

/** Prints the tables, writes reports/loadtest-<date>.json and .html (and docs/performance.md's latest run). */
export function writeReport(r: RunReport, o: { out: string; writeDocs: boolean; log: (line: string) => void }): { failed: boolean; json: string; html: string } {
  const { rows, ratios } = evaluate(r)
  const stamp = r.date.replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z')
  const json = path.join(o.out, `loadtest-${stamp}.json`)
  const html = path.join(o.out, `loadtest-${stamp}.html`)
  writeFileSync(json, JSON.stringify({ ...r, machine: machine(), targets: rows, ratios }, null, 2))
  writeFileSync(html, renderHtml(r, rows, ratios, machine()))
  const targetRows = [['seed metric', 'target', 'measured', ''], ...rows.map((t) => [t.metric, t.target, t.measured, t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'FAIL'])]
  o.log(`\nEmporium load test, ${r.date}${r.quick ? ' (--quick: scaled down, the seed\'s sizes are not met by design)' : ''}\n${machine()}\ntarget ${r.target.base} (${r.target.kind}); ceiling ${r.target.ceiling}\n`)
  o.log(table(scenarioRows(r, ratios)))
  o.log('')
  o.log(table(targetRows))
  if (r.mixed.failures.length || Object.values(r.scenarios).some((s) => s.failures.length)) {
    o.log('\nfirst failures:')
    for (const [k, s] of Object.entries(r.scenarios)) for (const f of s.failures.slice(0, 3)) o.log(`  ${k}: ${f}`)
    for (const f of r.mixed.failures.slice(0, 5)) o.log(`  mixed: ${f}`)
  }
  o.log(`\nreport: ${html}\n        ${json}`)
  if (o.writeDocs) updateDocs(r, md(scenarioRows(r, ratios)), md(targetRows), path.basename(json))
  const shopFailed = rows[0]!.pass === false
  return { failed: shopFailed, json, html }
}

const DOCS = path.resolve(import.meta.dirname, '../../docs/performance.md')

/** Replaces the generated block of docs/performance.md with this run's tables. */
function updateDocs(r: RunReport, scenarios: string, targets: string, file: string): void {
  if (!existsSync(DOCS)) return
  const text = readFileSync(DOCS, 'utf8')
  const block = `<!-- latest-run: written by npm run loadtest -->\nRun of ${r.date} (\`reports/${file}\`), ${machine()}; target ${r.target.base}.\n\n${scenarios}\n\n${targets}\n<!-- /latest-run -->`
  writeFileSync(DOCS, text.replace(/<!-- latest-run[^]*?<!-- \/latest-run -->/, block))
}
