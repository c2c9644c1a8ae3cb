import type { Cart } from '../api-types.js'
import { money } from '../format.js'
import { html, type SafeHtml } from '../html.js'
import type { PageContent, ViewContext } from './layout.js'
import { alert, csrfField, field } from './parts.js'

export type CheckoutForm = Partial<Record<'name' | 'line1' | 'line2' | 'city' | 'postalCode' | 'country' | 'phone' | 'cardNumber' | 'cardExpiry' | 'idempotencyKey', string>>

const COUNTRIES: [string, string][] = [
  ['US', 'United States'], ['CA', 'Canada'], ['GB', 'United Kingdom'], ['IE', 'Ireland'], ['FR', 'France'], ['DE', 'Germany'],
  ['NL', 'Netherlands'], ['BE', 'Belgium'], ['ES', 'Spain'], ['IT', 'Italy'], ['SE', 'Sweden'], ['CH', 'Switzerland'],
  ['AU', 'Australia'], ['NZ', 'New Zealand'], ['JP', 'Japan'],
]

export function cardFields(f: CheckoutForm): SafeHtml {
  return html`<fieldset>
    <legend>Payment</legend>
    <p class="hint">This shop takes test cards only: 4242 4242 4242 4242 is accepted, 4000 0000 0000 0002 is declined. Any future expiry date and any 3 digits.</p>
    ${field({ name: 'cardNumber', label: 'Card number', value: f.cardNumber, required: true, autocomplete: 'cc-number', attrs: html`inputmode="numeric" maxlength="23"` })}
    <div class="row">
      ${field({ name: 'cardExpiry', label: 'Expiry (MM/YY)', value: f.cardExpiry, required: true, autocomplete: 'cc-exp', attrs: html`placeholder="MM/YY" maxlength="7"` })}
      ${field({ name: 'cardCvc', label: 'Security code', required: true, autocomplete: 'cc-csc', attrs: html`inputmode="numeric" maxlength="4"` })}
    </div>
  </fieldset>`
}

export function checkoutPage(v: ViewContext, cart: Cart, f: CheckoutForm, error?: string): PageContent {
  return {
    title: 'Checkout',
    main: html`
<h1>Checkout</h1>
${alert(error)}
<div class="checkout">
  <form class="stack" action="/checkout" method="post">
    ${csrfField(v)}
    <input type="hidden" name="idempotencyKey" value="${f.idempotencyKey}">
    <fieldset>
      <legend>Shipping address</legend>
      ${field({ name: 'name', label: 'Full name', value: f.name, required: true, autocomplete: 'name' })}
      ${field({ name: 'line1', label: 'Address', value: f.line1, required: true, autocomplete: 'address-line1' })}
      ${field({ name: 'line2', label: 'Apartment, suite, etc.', value: f.line2, autocomplete: 'address-line2' })}
      <div class="row">
        ${field({ name: 'city', label: 'City', value: f.city, required: true, autocomplete: 'address-level2' })}
        ${field({ name: 'postalCode', label: 'Postal code', value: f.postalCode, required: true, autocomplete: 'postal-code' })}
      </div>
      <div class="field"><label for="f-country">Country</label>
        <select id="f-country" name="country" autocomplete="country">${COUNTRIES.map(([code, name]) => html`<option value="${code}"${code === f.country ? html` selected` : ''}>${name}</option>`)}</select></div>
      ${field({ name: 'phone', label: 'Phone', type: 'tel', value: f.phone, autocomplete: 'tel' })}
    </fieldset>
    ${cardFields(f)}
    <button type="submit" class="button primary big">Pay ${money(cart.subtotal)}</button>
  </form>
  <aside class="summary" aria-labelledby="summary-title">
    <h2 id="summary-title">Your order</h2>
    <ul>${cart.items.filter((i) => i.available).map((i) => html`<li><span>${i.quantity} × ${i.name}</span> <span>${i.lineTotal ? money(i.lineTotal) : ''}</span></li>`)}</ul>
    <p class="total"><span>Total</span> <strong>${money(cart.subtotal)}</strong></p>
    <p class="hint">Signed in as ${v.identity?.email}. <a href="/cart">Change the cart</a></p>
  </aside>
</div>`,
  }
}
