import type { Order, Page } from '../api-types.js'
import { dateTime, money, ORDER_STATUS_LABELS, shortId } from '../format.js'
import { html, queryString, type SafeHtml } from '../html.js'
import type { PageContent, ViewContext } from './layout.js'
import { alert, breadcrumbs, csrfField, optionsText } from './parts.js'

export function statusBadge(o: Order): SafeHtml {
  return html`<span class="status status-${o.status}">${ORDER_STATUS_LABELS[o.status] ?? o.status}</span>`
}

export function orderLines(o: Order): SafeHtml {
  return html`<table class="order-lines">
    <caption class="visually-hidden">Products in order ${shortId(o.id)}</caption>
    <thead><tr><th scope="col">Product</th><th scope="col" class="num">Price</th><th scope="col">Quantity</th><th scope="col" class="num">Total</th></tr></thead>
    <tbody>${o.lines.map((l) => html`<tr><td>${l.name}${l.options && Object.keys(l.options).length > 0 && html`<br><small class="variant">${optionsText(l.options)}</small>`}</td><td class="num">${money(l.unitPrice)}</td><td class="num">${l.quantity}</td><td class="num">${money(l.lineTotal)}</td></tr>`)}</tbody>
    <tfoot>
      ${charged(o).map(([label, amount]) => html`<tr><th scope="row" colspan="3">${label}</th><td class="num">${amount}</td></tr>`)}
      <tr><th scope="row" colspan="3">Total</th><td class="num">${money(o.total)}</td></tr>
    </tfoot>
  </table>`
}

/** The rows between the lines and the total: only what this order had (an order with none shows the total alone). */
function charged(o: Order): [string, string][] {
  const rows: [string, string][] = []
  if (o.promotion) rows.push([o.promotion.name, `−${money(o.promotion.amount)}`])
  if (o.discount) rows.push([`Code ${o.discount.code}`, `−${money(o.discount.amount)}`])
  if (o.shipping) rows.push([`Shipping (${o.shipping.name})`, money(o.shipping.price)])
  if (o.tax.amount > 0) rows.push([o.pricesIncludeTax ? 'Included tax' : 'Tax', money(o.tax)])
  return rows.length ? [['Subtotal', money(o.subtotal)], ...rows] : []
}

export function orderFacts(o: Order): SafeHtml {
  const a = o.shippingAddress
  return html`<dl class="facts">
    <dt>Status</dt><dd>${statusBadge(o)}</dd>
    <dt>Placed</dt><dd>${dateTime(o.createdAt)}</dd>
    ${o.paidAt && html`<dt>Paid</dt><dd>${dateTime(o.paidAt)}${o.payment.cardLast4 && html` with the card ending ${o.payment.cardLast4}`}</dd>`}
    ${o.shippedAt && html`<dt>Shipped</dt><dd>${dateTime(o.shippedAt)}${o.trackingNumber && html`, tracking number ${o.trackingNumber}`}</dd>`}
    ${o.deliveredAt && html`<dt>Delivered</dt><dd>${dateTime(o.deliveredAt)}</dd>`}
    ${o.cancelledAt && html`<dt>Cancelled</dt><dd>${dateTime(o.cancelledAt)}${o.cancelReason && html` (${o.cancelReason})`}</dd>`}
    <dt>Payment</dt><dd>${o.payment.status.replace('_', ' ')}</dd>
    <dt>Ship to</dt><dd>${[a.name, a.line1, a.line2, `${a.postalCode ?? ''} ${a.city ?? ''}`, a.country].filter(Boolean).map((line) => html`${line}<br>`)}</dd>
  </dl>`
}

export function ordersPage(v: ViewContext, page: Page<Order>): PageContent {
  return {
    title: 'Your orders',
    main: html`
${breadcrumbs([{ href: '/account', label: 'Your account' }, { label: 'Orders' }])}
<h1>Your orders</h1>
${page.items.length === 0
  ? html`<p class="empty">No orders yet. <a href="/">Start shopping</a></p>`
  : html`<table class="orders">
    <caption class="visually-hidden">Your orders, newest first</caption>
    <thead><tr><th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Status</th><th scope="col">Total</th></tr></thead>
    <tbody>${page.items.map((o) => html`<tr><td><a href="/account/orders/${o.id}">${shortId(o.id)}</a></td><td>${dateTime(o.createdAt)}</td><td>${statusBadge(o)}</td><td class="num">${money(o.total)}</td></tr>`)}</tbody>
  </table>`}
${page.nextCursor && html`<p class="pager"><a class="button" rel="next" href="/account/orders${queryString({ cursor: page.nextCursor })}">Older orders</a></p>`}`,
  }
}

export function orderPage(v: ViewContext, o: Order, m: { notice?: 'placed' | 'updated'; error?: string }): PageContent {
  // A customer cancels a paid order (refunded); one still being charged is settled by the shop first.
  const cancellable = o.status === 'paid'
  return {
    title: `Order ${shortId(o.id)}`,
    main: html`
${breadcrumbs([{ href: '/account', label: 'Your account' }, { href: '/account/orders', label: 'Orders' }, { label: shortId(o.id) }])}
<h1>Order ${shortId(o.id)}</h1>
${m.notice === 'placed' && alert(html`Thank you! Your order is placed${o.status === 'paid' ? ' and paid' : ''}. We have sent a confirmation to ${o.customerEmail}.`, 'info')}
${m.notice === 'updated' && alert('Your order was updated.', 'info')}
${o.status === 'pending_payment' && alert('The payment of this order is being processed. Please reload this page in a moment.', 'info')}
${alert(m.error)}
${orderFacts(o)}
${orderLines(o)}
${cancellable && html`<form action="/account/orders/${o.id}/cancel" method="post" data-confirm="Cancel this order?">${csrfField(v)}
  <button type="submit" class="button danger">Cancel order</button>
  <span class="hint">The payment will be refunded.</span></form>`}`,
  }
}
