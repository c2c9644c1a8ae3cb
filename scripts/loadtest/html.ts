import type { RunReport, TargetRow } from './report.js'

/** The report as one self-contained HTML file: tables and inline SVG charts, no script, no CDN. */

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22']
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

interface Series {
  name: string
  points: [number, number][]
}

function lineChart(title: string, series: Series[], xLabel: string, yLabel: string): string {
  const W = 720
  const H = 260
  const L = 60
  const B = 36
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
  if (!pts.length) return `<h3>${esc(title)}</h3><p>no data</p>`
  const xMax = Math.max(...pts.map((p) => p[0])) || 1
  const yMax = Math.max(...pts.map((p) => p[1])) * 1.1 || 1
  const x = (v: number) => L + (v / xMax) * (W - L - 10)
  const y = (v: number) => H - B - (v / yMax) * (H - B - 10)
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = yMax * f
    return `<line x1="${L}" x2="${W - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(1)}</text>`
  })
  const lines = series.map((s, i) => {
    const d = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).map(([a, b], j) => `${j ? 'L' : 'M'}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join('')
    return `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.6"/>`
  })
  const legend = series.map((s, i) => `<span style="color:${COLORS[i % COLORS.length]}">&#9632; ${esc(s.name)}</span>`).join(' &nbsp; ')
  return `<h3>${esc(title)}</h3><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-size="11" font-family="sans-serif">
${ticks.join('')}<line x1="${L}" x2="${L}" y1="10" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${W - 10}" y1="${H - B}" y2="${H - B}" stroke="#333"/>
<text x="${(W + L) / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)} (0 - ${xMax.toFixed(0)})</text><text x="12" y="${H / 2}" transform="rotate(-90 12 ${H / 2})" text-anchor="middle">${esc(yLabel)}</text>
${lines.join('\n')}</svg><div class="legend">${legend}</div>`
}

function barChart(title: string, bars: { name: string; value: number }[], unit: string): string {
  const W = 720
  const row = 22
  const L = 300
  const max = Math.max(...bars.map((b) => b.value), 1e-9)
  const body = bars
    .map((b, i) => {
      const w = ((W - L - 80) * b.value) / max
      return `<text x="${L - 6}" y="${i * row + 15}" text-anchor="end">${esc(b.name)}</text><rect x="${L}" y="${i * row + 4}" width="${w.toFixed(1)}" height="${row - 8}" fill="${COLORS[i % COLORS.length]}"/><text x="${L + w + 4}" y="${i * row + 15}">${b.value >= 100 ? Math.round(b.value).toLocaleString('en') : b.value.toFixed(2)} ${esc(unit)}</text>`
    })
    .join('')
  return `<h3>${esc(title)}</h3><svg viewBox="0 0 ${W} ${bars.length * row + 8}" width="${W}" height="${bars.length * row + 8}" font-size="11" font-family="sans-serif">${body}</svg>`
}

function htmlTable(rows: string[][]): string {
  return `<table><tr>${rows[0]!.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>${rows
    .slice(1)
    .map((r) => `<tr>${r.map((c) => `<td class="${c === 'PASS' ? 'pass' : c === 'FAIL' ? 'fail' : ''}">${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</table>`
}

export function renderHtml(r: RunReport, targets: TargetRow[], ratios: Record<string, number>, machine: string): string {
  const shop = Object.entries(r.scenarios).filter(([k]) => !k.startsWith('ceiling'))
  const throughput = lineChart(
    'Throughput over time (requests per second, each scenario from its start)',
    [...Object.entries(r.scenarios).map(([k, s]) => ({ name: k, points: s.perSecond.map((p) => [p.t, p.done] as [number, number]) })), { name: 'mixed shoppers', points: r.mixed.perSecond.map((p) => [p.t, p.done] as [number, number]) }],
    'seconds',
    'req/s',
  )
  const latency = lineChart(
    'Latency percentiles over time (p50 dashed in the table, p99 here, ms)',
    [...shop.map(([k, s]) => ({ name: `${k} p99`, points: s.perSecond.map((p) => [p.t, p.p99] as [number, number]) })), ...shop.map(([k, s]) => ({ name: `${k} p50`, points: s.perSecond.map((p) => [p.t, p.p50] as [number, number]) })), { name: 'mixed p99', points: r.mixed.perSecond.map((p) => [p.t, p.p99] as [number, number]) }],
    'seconds',
    'ms',
  )
  const services = [...new Set(r.samples.flatMap((s) => Object.keys(s.services)))]
  const memory = lineChart('Memory per service (RSS of all its instances, MB)', services.map((svc) => ({ name: svc, points: r.samples.map((s) => [s.t, s.services[svc]?.rssMb ?? NaN] as [number, number]) })), 'seconds of the run', 'MB')
  const cpu = lineChart(
    'CPU per service and the whole machine (% of all cores)',
    [...services.map((svc) => ({ name: svc, points: r.samples.slice(1).map((s) => [s.t, s.services[svc]?.cpu ?? NaN] as [number, number]) })), { name: 'whole machine', points: r.samples.slice(1).map((s) => [s.t, s.cpuMachine] as [number, number]) }],
    'seconds of the run',
    '%',
  )
  const rate = (hit: (s: (typeof r.samples)[number]) => number, all: (s: (typeof r.samples)[number]) => number) =>
    r.samples.slice(1).map((s, i) => {
      const prev = r.samples[i]!
      const n = all(s) - all(prev)
      return [s.t, n > 0 ? (100 * (hit(s) - hit(prev))) / n : NaN] as [number, number]
    })
  const edgeAll = (s: (typeof r.samples)[number]) => Object.values(s.edge).reduce((a, b) => a + b, 0)
  const hitRate = lineChart(
    'Cache hit rate per sample (%)',
    [
      { name: 'nginx micro-cache', points: rate((s) => (s.edge.HIT ?? 0) + (s.edge.UPDATING ?? 0) + (s.edge.STALE ?? 0), edgeAll) },
      { name: 'app read-through cache (Redis)', points: rate((s) => s.appCache.hit, (s) => s.appCache.hit + s.appCache.miss) },
    ],
    'seconds of the run',
    '%',
  )
  const extraKeys = [...new Set(r.samples.flatMap((s) => Object.keys(s.extra)))].filter((k) => /^(queue|outbox|pool\.[^.]+\.active)/.test(k))
  const extra = lineChart('Queue depths, outbox backlogs, active database connections', extraKeys.map((k) => ({ name: k, points: r.samples.map((s) => [s.t, s.extra[k] ?? NaN] as [number, number]) })), 'seconds of the run', 'count')
  const ratioBars = barChart('Throughput as a share of the ceiling (nginx serving the same bytes)', Object.entries(ratios).map(([name, value]) => ({ name, value })), '')
  const windows = htmlTable([['scenario', 'from s', 'to s'], ...Object.entries(r.windows).map(([k, [a, b]]) => [k, a.toFixed(1), b.toFixed(1)])])
  const scenarioTable = htmlTable([
    ['scenario', 'requests', 'clients', 'keep-alive', 'addresses', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'failed', 'statuses'],
    ...Object.entries(r.scenarios).map(([k, s]) => [k, String(s.requests), String(s.concurrency), s.keepAlive ? 'yes' : 'no', String(s.addressesUsed), Math.round(s.rps).toLocaleString('en'), s.latencyMs.p50.toFixed(1), s.latencyMs.p90.toFixed(1), s.latencyMs.p99.toFixed(1), s.latencyMs.max.toFixed(0), String(s.failed), JSON.stringify(s.statuses)]),
    ...Object.values(r.h2).map((h) => [h.name, String(h.requests), `${h.clients}x${h.streams}`, 'HTTP/2', '1', Math.round(h.rps).toLocaleString('en'), '', '', '', h.latencyMs.max.toFixed(0), String(h.failed), `${h.status2xx} 2xx`]),
  ])
  const m = r.mixed
  const mixedTable = htmlTable([['action', 'count', 'failed', 'p50 ms', 'p99 ms'], ...Object.entries(m.byKind).map(([k, v]) => [k, String(v.count), String(v.failed), v.p50.toFixed(1), v.p99.toFixed(1)])])
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Emporium load test ${esc(r.date)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}.pass{background:#dfd}.fail{background:#fdd}.legend{font-size:12px;margin-bottom:1.5em}</style></head><body>
<h1>Emporium load test</h1>
<p>${esc(r.date)}${r.quick ? ' &mdash; <b>--quick</b>: scaled-down sizes, the seed\'s figures are not its point' : ''}<br>${esc(machine)}<br>target <code>${esc(r.target.base)}</code> (${r.target.kind}); ceiling <code>${esc(r.target.ceiling)}</code>${r.target.embedded ? `; embedded shop <code>${esc(r.target.embedded)}</code>` : ''}</p>
<p>Limits during the run: ${Object.entries(r.limits).map(([k, v]) => `${esc(k)}: ${esc(String(v))}`).join('; ')}.</p>
<h2>Against the seed's targets</h2>${htmlTable([['metric', 'target', 'measured', ''], ...targets.map((t) => [t.metric, t.target, t.measured, t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'FAIL'])])}
<h2>Scenarios</h2>${scenarioTable}${ratioBars}
<h2>Mixed shoppers</h2><p>${m.shoppers} shoppers, ${m.requests} requests in ${m.seconds.toFixed(1)} s, ${m.orders} orders (${m.unitsSold} units), oversold ${m.oversold}, stock mismatches ${m.stockMismatches.length}, order e-mails sent ${m.emailsSent}/${m.emailsExpected}.</p>${mixedTable}
${m.failures.length ? `<p>First failures:</p><pre>${esc(m.failures.join('\n'))}</pre>` : ''}
<h2>Over time</h2>${throughput}${latency}${memory}${cpu}${hitRate}${extra}
<h2>Scenario windows (sampler clock)</h2>${windows}
</body></html>
`
}
