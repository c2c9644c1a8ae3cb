import type { Category, Order, Page } from '../api-types.js'
import { dateTime, money, ORDER_STATUS_LABELS, shortId } from '../format.js'
import { html, queryString, type SafeHtml } from '../html.js'
import type { PageContent, ViewContext } from './layout.js'
import { alert, csrfField } from './parts.js'
import { orderFacts, orderLines, statusBadge } from './orders.js'

export interface Count {
  n: number
  more: boolean
}

export interface Dashboard {
  toShip: Count
  awaitingPayment: Count
  latest: Order[]
  products: number
  categories: Category[]
  deals: Count
  devMail: boolean
}

const count = (c: Count) => `${c.n}${c.more ? '+' : ''}`

function ordersTable(orders: Order[]): SafeHtml {
  if (orders.length === 0) return html`<p class="empty">No orders.</p>`
  return html`<table class="orders">
    <caption class="visually-hidden">Orders, newest first</caption>
    <thead><tr><th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Total</th></tr></thead>
    <tbody>${orders.map((o) => html`<tr><td><a href="/admin/orders/${o.id}">${shortId(o.id)}</a></td><td>${dateTime(o.createdAt)}</td><td>${o.customerEmail}</td><td>${statusBadge(o)}</td><td class="num">${money(o.total)}</td></tr>`)}</tbody>
  </table>`
}

export function dashboardPage(v: ViewContext, d: Dashboard): PageContent {
  return {
    title: 'Admin',
    admin: true,
    main: html`
<h1>Dashboard</h1>
<ul class="stats">
  <li><a href="/admin/orders?status=paid"><strong>${count(d.toShip)}</strong> paid orders to ship</a></li>
  <li><a href="/admin/orders?status=pending_payment"><strong>${count(d.awaitingPayment)}</strong> awaiting payment</a></li>
  <li><a href="/admin/products"><strong>${d.products}</strong> products</a></li>
  <li><a href="/admin/categories"><strong>${d.categories.length}</strong> top categories</a></li>
  <li><a href="/admin/deals"><strong>${count(d.deals)}</strong> running deals</a></li>
</ul>
<section aria-labelledby="latest-title">
  <h2 id="latest-title">Latest orders</h2>
  ${ordersTable(d.latest)}
  <p><a href="/admin/orders">All orders</a></p>
</section>
${d.devMail && html`<section aria-labelledby="mail-title"><h2 id="mail-title">E-mail</h2>
  <p>This shop runs embedded: the e-mails it sends are kept in <a href="/dev/mail">the development mailbox</a> (shown on this machine only).</p></section>`}
<section aria-labelledby="missing-title">
  <h2 id="missing-title">Not shown yet</h2>
  <p>Orders today, revenue, low stock, cache hit rate and queue backlog need API routes that do not exist yet (see the README).</p>
</section>`,
  }
}

export function adminOrdersPage(v: ViewContext, page: Page<Order>, status: string | undefined): PageContent {
  return {
    title: 'Orders',
    admin: true,
    main: html`
<h1>Orders</h1>
<form class="filters inline-filters" action="/admin/orders" method="get">
  <div class="field"><label for="status">Status</label>
  <select id="status" name="status"><option value="">All</option>${Object.entries(ORDER_STATUS_LABELS).map(([s, label]) => html`<option value="${s}"${s === status ? html` selected` : ''}>${label}</option>`)}</select></div>
  <button type="submit" class="button">Show</button>
</form>
${ordersTable(page.items)}
${page.nextCursor && html`<p class="pager"><a class="button" rel="next" href="/admin/orders${queryString({ status, cursor: page.nextCursor })}">Older orders</a></p>`}`,
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
