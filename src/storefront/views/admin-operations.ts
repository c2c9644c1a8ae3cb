import type { CacheStats, EventBacklog, LowStock } from '../api-types.js'
import { dateTime } from '../format.js'
import { html, type SafeHtml } from '../html.js'

/**
 * The dashboard's operations figures: products running out, the catalog cache's
 * hit rate, and the order events not yet delivered (with a bar chart). Each comes
 * from its own admin API route; one that fails shows as unavailable, the rest still show.
 */

export type Figure<T> = { ok: true; value: T } | { ok: false; message: string }

const unavailable = (message: string) => html`<p class="empty">Not available right now: ${message}</p>`

export function lowStockSection(f: Figure<LowStock>): SafeHtml {
  return html`<section aria-labelledby="low-stock-title">
  <h2 id="low-stock-title">Low stock${f.ok ? ` (${f.value.threshold} units or fewer)` : ''}</h2>
  ${!f.ok
    ? unavailable(f.message)
    : f.value.items.length === 0
      ? html`<p class="empty">No product is running low.</p>`
      : html`<table class="low-stock">
    <caption class="visually-hidden">Products with the fewest units first</caption>
    <thead><tr><th scope="col">Product</th><th scope="col" class="num">Units left</th></tr></thead>
    <tbody>${f.value.items.map((p) => html`<tr><td><a href="/admin/products/${p.id}">${p.name}</a></td><td class="num${p.stock === 0 ? ' out' : ''}">${p.stock === 0 ? 'Out of stock' : p.stock}</td></tr>`)}</tbody>
  </table>`}
</section>`
}

function percent(rate: number): string {
  return `${(Math.round(rate * 1000) / 10).toFixed(1)} %`
}

export function cacheSection(f: Figure<CacheStats>): SafeHtml {
  if (!f.ok) return html`<section aria-labelledby="cache-title"><h2 id="cache-title">Catalog cache</h2>${unavailable(f.message)}</section>`
  const s = f.value
  const hits = s.caches.reduce((n, c) => n + c.hits, 0)
  const lookups = hits + s.caches.reduce((n, c) => n + c.misses, 0)
  return html`<section aria-labelledby="cache-title">
  <h2 id="cache-title">Catalog cache</h2>
  <p class="big-figure"><strong>${s.hitRate === null ? '—' : percent(s.hitRate)}</strong> hit rate</p>
  <p class="hint">${lookups} lookups (${hits} answered from the cache) ${
    s.scope === 'shop'
      ? html`in all product service instances since ${dateTime(s.since)}; each instance adds its own within 10 seconds.`
      : html`in the product service instance that answered (${s.instance}) since it started at ${dateTime(s.since)}: the shop-wide figures could not be read, so this is one instance’s figure, not the whole shop’s.`
  }</p>
  <table class="cache-stats">
    <caption class="visually-hidden">Lookups per catalog cache</caption>
    <thead><tr><th scope="col">Cache</th><th scope="col" class="num">Hits</th><th scope="col" class="num">Misses</th><th scope="col" class="num">Not cached</th></tr></thead>
    <tbody>${s.caches.map((c) => html`<tr><td>${c.cache.replace(/^catalog:/, '')}</td><td class="num">${c.hits}</td><td class="num">${c.misses}</td><td class="num">${c.bypassed + c.errors}</td></tr>`)}</tbody>
  </table>
</section>`
}

const BARS = { width: 560, row: 28, label: 190, top: 4 }

/** Horizontal bars, markup only (no script, no style attribute: the CSP forbids both); the table below has the same figures. */
function backlogChart(rows: { label: string; value: number }[]): SafeHtml {
  const max = Math.max(1, ...rows.map((r) => r.value))
  const plot = BARS.width - BARS.label - 40
  const height = BARS.top * 2 + rows.length * BARS.row
  return html`<svg viewBox="0 0 ${BARS.width} ${height}" role="img" aria-labelledby="backlog-title" focusable="false">
    ${rows.map((r, i) => {
      const y = BARS.top + i * BARS.row
      const w = Math.round((r.value / max) * plot)
      return html`<g><text class="label" x="${BARS.label - 8}" y="${y + 18}" text-anchor="end">${r.label}</text>
        <rect class="bar" x="${BARS.label}" y="${y + 5}" width="${w}" height="${BARS.row - 10}"></rect>
        <text class="value" x="${BARS.label + w + 6}" y="${y + 18}">${r.value}</text></g>`
    })}
  </svg>`
}

export function backlogSection(f: Figure<EventBacklog>): SafeHtml {
  if (!f.ok) return html`<section aria-labelledby="backlog-title"><h2 id="backlog-title">Order events not yet delivered</h2>${unavailable(f.message)}</section>`
  const b = f.value
  const rows = [
    { label: 'outbox, not published', value: b.outbox.unpublished },
    ...(b.queues ?? []).flatMap((q) => [
      { label: `${q.queue} queue`, value: q.ready },
      { label: `${q.queue} dead letters`, value: q.deadLetters },
    ]),
  ]
  return html`<section aria-labelledby="backlog-title" class="chart">
  <h2 id="backlog-title">Order events not yet delivered</h2>
  ${backlogChart(rows)}
  <table class="backlog">
    <caption class="visually-hidden">Order events waiting, by place</caption>
    <thead><tr><th scope="col">Where</th><th scope="col" class="num">Events</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr><td>${r.label}</td><td class="num">${r.value}</td></tr>`)}</tbody>
  </table>
  <p class="hint">The outbox holds the order service’s events until ${b.bus === 'rabbitmq' ? 'RabbitMQ confirms them' : 'every consumer in this process has handled them (embedded bus)'}${b.outbox.oldestAgeSeconds !== null ? html`; the oldest waits for ${b.outbox.oldestAgeSeconds} s` : ''}${b.outbox.failing > 0 ? html`; <strong>${b.outbox.failing} failed to publish</strong>` : ''}.
  ${b.queues === null ? html`The broker could not be asked for its queues.` : b.bus === 'rabbitmq' ? 'Queues: messages ready for a consumer (not counting those being handled).' : 'Queues: events waiting for their consumer’s turn in this process.'}
  Dead letters wait for <code>npm run events -- replay-dlq</code>.</p>
</section>`
}
