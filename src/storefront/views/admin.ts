import type { CacheStats, Category, EventBacklog, LowStock, Order, OrderStats, Page } from '../api-types.js'
import { dateTime, money, ORDER_STATUS_LABELS, shortId } from '../format.js'
import { html, queryString, type SafeHtml } from '../html.js'
import type { PageContent, ViewContext } from './layout.js'
import { backlogSection, cacheSection, lowStockSection, type Figure } from './admin-operations.js'
import { alert, csrfField } from './parts.js'
import { orderFacts, orderLines, statusBadge } from './orders.js'

export interface Count {
  n: number
  more: boolean
}

export interface Dashboard {
  stats: OrderStats
  latest: Order[]
  products: number
  categories: Category[]
  deals: Count
  devMail: boolean
  lowStock: Figure<LowStock>
  cache: Figure<CacheStats>
  backlog: Figure<EventBacklog>
}

const count = (c: Count) => `${c.n}${c.more ? '+' : ''}`

function ordersTable(orders: Order[]): SafeHtml {
  if (orders.length === 0) return html`<p class="empty">No orders.</p>`
  return html`<table class="orders">
    <caption class="visually-hidden">Orders, newest first</caption>
    <thead><tr><th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Total</th></tr></thead>
    <tbody>${orders.map((o) => html`<tr><td><a href="/admin/orders/${o.id}">${shortId(o.id)}</a></td><td>${dateTime(o.createdAt)}</td><td><a href="/admin/orders${queryString({ q: o.customerEmail })}">${o.customerEmail}</a></td><td>${statusBadge(o)}</td><td class="num">${money(o.total)}</td></tr>`)}</tbody>
  </table>`
}

const CHART = { width: 560, height: 160, bottom: 20, top: 16 }

/**
 * Orders per day as an SVG bar chart: markup, not a script (the pages run none but
 * their own) and no style attribute (the CSP forbids inline styles); the same
 * figures are in the table for screen readers and for anyone who prefers numbers.
 */
function ordersChart(daily: OrderStats['daily']): SafeHtml {
  const max = Math.max(1, ...daily.map((d) => d.orders))
  const slot = CHART.width / Math.max(1, daily.length)
  const plot = CHART.height - CHART.bottom - CHART.top
  return html`<section aria-labelledby="chart-title" class="chart">
  <h2 id="chart-title">Orders per day (last ${daily.length} days, UTC)</h2>
  <svg viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-labelledby="chart-title" focusable="false">
    ${daily.map((d, i) => {
      const h = Math.round((d.orders / max) * plot)
      const x = Math.round(i * slot + slot * 0.15)
      const w = Math.max(1, Math.round(slot * 0.7))
      return html`<g><rect class="bar" x="${x}" y="${CHART.height - CHART.bottom - h}" width="${w}" height="${h}"></rect>
        ${d.orders > 0 && html`<text class="value" x="${x + w / 2}" y="${CHART.height - CHART.bottom - h - 4}" text-anchor="middle">${d.orders}</text>`}
        ${(daily.length - 1 - i) % 2 === 0 && html`<text class="label" x="${x + w / 2}" y="${CHART.height - 5}" text-anchor="middle">${d.date.slice(5)}</text>`}</g>`
    })}
  </svg>
  <table class="visually-hidden"><caption>Orders per day</caption><thead><tr><th scope="col">Day</th><th scope="col">Orders</th></tr></thead>
    <tbody>${daily.map((d) => html`<tr><td>${d.date}</td><td>${d.orders}</td></tr>`)}</tbody></table>
</section>`
}

export function dashboardPage(v: ViewContext, d: Dashboard): PageContent {
  return {
    title: 'Admin',
    admin: true,
    main: html`
<h1>Dashboard</h1>
<ul class="stats">
  <li><span class="figure"><strong>${d.stats.today.orders}</strong> orders today</span></li>
  <li><span class="figure"><strong>${d.stats.today.revenue.length === 0 ? money({ amount: 0, currency: 'USD' }) : d.stats.today.revenue.map((r, i) => html`${i > 0 ? ' + ' : ''}${money(r)}`)}</strong> revenue today</span></li>
  <li><a href="/admin/orders?status=paid"><strong>${d.stats.byStatus.paid ?? 0}</strong> paid orders to ship</a></li>
  <li><a href="/admin/products"><strong>${d.products}</strong> products</a></li>
  <li><a href="/admin/categories"><strong>${d.categories.length}</strong> top categories</a></li>
  <li><a href="/admin/deals"><strong>${count(d.deals)}</strong> running deals</a></li>
</ul>
${ordersChart(d.stats.daily)}
<section aria-labelledby="status-title">
  <h2 id="status-title">Orders by status</h2>
  <ul class="status-counts">${Object.entries(ORDER_STATUS_LABELS).map(([s, label]) => html`<li><a href="/admin/orders?status=${s}">${label}</a> <strong>${d.stats.byStatus[s] ?? 0}</strong></li>`)}</ul>
</section>
<section aria-labelledby="latest-title">
  <h2 id="latest-title">Latest orders</h2>
  ${ordersTable(d.latest)}
  <p><a href="/admin/orders">All orders</a></p>
</section>
${d.devMail && html`<section aria-labelledby="mail-title"><h2 id="mail-title">E-mail</h2>
  <p>This shop runs embedded: the e-mails it sends are kept in <a href="/dev/mail">the development mailbox</a> (shown on this machine only).</p></section>`}
<div class="operations">
${lowStockSection(d.lowStock)}
${cacheSection(d.cache)}
</div>
${backlogSection(d.backlog)}`,
  }
}

export function adminOrdersPage(v: ViewContext, page: Page<Order>, shown: { status?: string | undefined; q?: string | undefined; error?: string }): PageContent {
  const { status, q } = shown
  return {
    title: 'Orders',
    admin: true,
    main: html`
<h1>Orders</h1>
${alert(shown.error)}
<form class="filters inline-filters" action="/admin/orders" method="get">
  <div class="field"><label for="status">Status</label>
  <select id="status" name="status"><option value="">All</option>${Object.entries(ORDER_STATUS_LABELS).map(([s, label]) => html`<option value="${s}"${s === status ? html` selected` : ''}>${label}</option>`)}</select></div>
  <div class="field"><label for="order-search">Order number or customer e-mail</label>
  <input id="order-search" name="q" type="search" value="${q ?? ''}" maxlength="254" autocomplete="off"></div>
  <button type="submit" class="button">Show</button>
</form>
${q && !shown.error && html`<p>Orders matching ${q}. <a href="/admin/orders">All orders</a></p>`}
${ordersTable(page.items)}
${page.nextCursor && html`<p class="pager"><a class="button" rel="next" href="/admin/orders${queryString({ status, q, cursor: page.nextCursor })}">Older orders</a></p>`}`,
  }
}

export function adminOrderPage(v: ViewContext, o: Order, m: { notice?: string; error?: string }): PageContent {
  const action = (name: string, label: string, extra: SafeHtml | '' = '') =>
    html`<form class="inline" action="/admin/orders/${o.id}/${name}" method="post">${csrfField(v)}${extra}<button type="submit" class="button${name === 'cancel' ? ' danger' : ' primary'}">${label}</button></form>`
  return {
    title: `Order ${shortId(o.id)}`,
    admin: true,
    main: html`
<p><a href="/admin/orders">← Orders</a></p>
<h1>Order ${shortId(o.id)}</h1>
${alert(m.notice, 'info')}
${alert(m.error)}
<p>Customer: ${o.customerEmail}</p>
${orderFacts(o)}
${orderLines(o)}
<div class="actions">
  ${o.status === 'paid' && action('ship', 'Mark shipped', html`<label for="tracking">Tracking number</label> <input id="tracking" name="trackingNumber" maxlength="100"> `)}
  ${o.status === 'shipped' && action('deliver', 'Mark delivered')}
  ${(o.status === 'paid' || o.status === 'pending_payment') && action('cancel', o.status === 'paid' ? 'Cancel and refund' : 'Cancel')}
</div>`,
  }
}
