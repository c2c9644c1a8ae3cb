import type { Cart, CartLine } from '../api-types.js'
import { money } from '../format.js'
import { html, type SafeHtml } from '../html.js'
import type { PageContent, ViewContext } from './layout.js'
import { alert, csrfField, optionsText } from './parts.js'

export function cartPage(v: ViewContext, cart: Cart, messages: { error?: string; notice?: string }): PageContent {
  return {
    title: 'Your cart',
    main: html`
<h1>Your cart</h1>
${alert(messages.error)}
${alert(messages.notice, 'info')}
${cart.warnings.length > 0 && html`<div class="alert warning" role="status"><ul>${cart.warnings.map((w) => html`<li>${w.message}</li>`)}</ul></div>`}
${cart.items.length === 0
  ? html`<p class="empty">Your cart is empty. <a href="/">Continue shopping</a></p>`
  : html`<table class="cart-table">
  <caption class="visually-hidden">Products in your cart</caption>
  <thead><tr><th scope="col">Product</th><th scope="col" class="num">Price</th><th scope="col">Quantity</th><th scope="col" class="num">Total</th></tr></thead>
  <tbody>${cart.items.map((line) => cartRow(v, line))}</tbody>
  <tfoot><tr><th scope="row" colspan="3">Subtotal (${cart.itemCount} ${cart.itemCount === 1 ? 'item' : 'items'})</th><td class="num">${money(cart.subtotal)}</td></tr></tfoot>
</table>
<div class="cart-actions">
  <a class="button" href="/">Continue shopping</a>
  <a class="button primary" href="/checkout">Check out</a>
</div>
<p class="hint">Checking out needs an account: you can create one on the next step, and your cart comes with you.</p>`}`,
  }
}

function cartRow(v: ViewContext, line: CartLine): SafeHtml {
  const name = line.available && line.name ? html`<a href="/products/${line.slug ?? ''}">${line.name}</a>` : html`<span>A product that is no longer sold</span>`
  const id = `qty-${line.productId}-${line.variantId ?? 0}`
  const chosen = optionsText(line.options)
  return html`<tr>
    <td>${line.image && html`<img class="cart-thumb" src="${line.image}" alt="" width="64" height="64" loading="lazy" decoding="async">`}${name}
      ${chosen && html`<br><small class="variant">${chosen}</small>`}
      ${line.priceChanged && line.previousUnitPrice && html`<br><small>Price changed from ${money(line.previousUnitPrice)}</small>`}
      ${line.exceedsStock && html`<br><small class="stock out">Only ${line.stock} in stock</small>`}
    </td>
    <td class="num">${line.unitPrice ? money(line.unitPrice) : '—'}</td>
    <td>
      <form class="inline" action="/cart/items/${line.productId}" method="post">
        ${csrfField(v)}
        ${line.variantId && html`<input type="hidden" name="variantId" value="${line.variantId}">`}
        <label class="visually-hidden" for="${id}">Quantity of ${line.name ?? 'this product'}${chosen ? ` (${chosen})` : ''}</label>
        <input id="${id}" name="quantity" type="number" min="0" max="99" value="${line.quantity}" inputmode="numeric" class="qty">
        <button type="submit" name="action" value="update" class="button small">Update</button>
        <button type="submit" name="action" value="remove" class="button small link">Remove<span class="visually-hidden"> ${line.name ?? ''}</span></button>
      </form>
    </td>
    <td class="num">${line.lineTotal ? money(line.lineTotal) : '—'}</td>
  </tr>`
}
