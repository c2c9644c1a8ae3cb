import type { Cart, Quote } from '../api-types.js'
import { money } from '../format.js'
import { html, type SafeHtml } from '../html.js'
import type { PageContent, ViewContext } from './layout.js'
import { alert, csrfField, field } from './parts.js'

export type CheckoutForm = Partial<Record<'name' | 'line1' | 'line2' | 'city' | 'postalCode' | 'country' | 'phone' | 'discountCode' | 'cardNumber' | 'cardExpiry' | 'idempotencyKey', string>>

/** The cart priced for the form's country and code, or why it could not be (the cart's own subtotal is shown then). */
export type Pricing = { quote: Quote; country: string } | { quote: null; problem?: string }

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

/** The order's costs as the quote gives them: what "Pay" will charge, line by line. */
export function costLines(c: Pick<Quote, 'subtotal' | 'promotion' | 'discount' | 'shipping' | 'tax' | 'pricesIncludeTax' | 'total'>): SafeHtml {
  return html`<dl class="costs">
    <dt>Subtotal</dt><dd>${money(c.subtotal)}</dd>
    ${c.promotion && html`<dt>${c.promotion.name}</dt><dd>−${money(c.promotion.amount)}</dd>`}
    ${c.discount && html`<dt>Code ${c.discount.code}</dt><dd>−${money(c.discount.amount)}</dd>`}
    ${c.shipping && html`<dt>Shipping (${c.shipping.name})</dt><dd>${money(c.shipping.price)}</dd>`}
    ${c.tax.amount > 0 && html`<dt>${c.pricesIncludeTax ? 'Included tax' : 'Tax'}</dt><dd>${money(c.tax)}</dd>`}
  </dl>`
}

export function checkoutPage(v: ViewContext, cart: Cart, f: CheckoutForm, pricing: Pricing, error?: string): PageContent {
  const total = pricing.quote ? pricing.quote.total : cart.subtotal
  const countryName = (code: string) => COUNTRIES.find(([c]) => c === code)?.[1] ?? code
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
    <fieldset>
      <legend>Discount code</legend>
      ${field({ name: 'discountCode', label: 'Code (optional)', value: f.discountCode, autocomplete: 'off', attrs: html`maxlength="40"` })}
      <p class="hint">Changed the country or the code? Update the total before you pay.</p>
      <button type="submit" class="button" formaction="/checkout/review" formnovalidate>Update the total</button>
    </fieldset>
    ${cardFields(f)}
    <button type="submit" class="button primary big">Pay ${money(total)}</button>
  </form>
  <aside class="summary" aria-labelledby="summary-title">
    <h2 id="summary-title">Your order</h2>
    <ul>${cart.items.filter((i) => i.available).map((i) => html`<li><span>${i.quantity} × ${i.name}</span> <span>${i.lineTotal ? money(i.lineTotal) : ''}</span></li>`)}</ul>
    ${pricing.quote && costLines(pricing.quote)}
    <p class="total"><span>Total${pricing.quote ? html` for delivery to ${countryName(pricing.country)}` : ''}</span> <strong>${money(total)}</strong></p>
    ${!pricing.quote && pricing.problem && html`<p class="hint" role="status">${pricing.problem}</p>`}
    <p class="hint">Signed in as ${v.identity?.email}. <a href="/cart">Change the cart</a></p>
  </aside>
</div>`,
  }
}
