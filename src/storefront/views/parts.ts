import type { Money, Product } from '../api-types.js'
import { money } from '../format.js'
import { html, type HtmlValue, type SafeHtml } from '../html.js'
import type { ViewContext } from './layout.js'

/** Pieces several pages share. */

export function csrfField(v: ViewContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${v.csrf}">`
}

export function price(p: { price: Money; salePrice: Money }): SafeHtml {
  if (p.salePrice.amount < p.price.amount) {
    return html`<span class="price"><span class="sale">${money(p.salePrice)}</span> <del><span class="visually-hidden">was </span>${money(p.price)}</del></span>`
  }
  return html`<span class="price">${money(p.price)}</span>`
}

/** Where a product photo goes: the product has none yet (image upload comes with the image service). */
export function productImage(p: Product, size: 'card' | 'large'): SafeHtml {
  return html`<div class="product-image ${size}" role="img" aria-label="No photo of ${p.name} yet"><span aria-hidden="true">${initials(p.name)}</span></div>`
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter((w) => /^[A-Za-z0-9]/.test(w))
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('')
}

export function addToCartForm(v: ViewContext, p: Product, withQuantity = false): SafeHtml {
  if (!p.inStock) return html`<p class="stock out">Out of stock</p>`
  const max = Math.min(10, p.stock)
  const quantity = withQuantity
    ? html`<label for="qty-${p.id}">Quantity</label>
      <select id="qty-${p.id}" name="quantity">${Array.from({ length: max }, (_, i) => html`<option value="${i + 1}">${i + 1}</option>`)}</select>`
    : html`<input type="hidden" name="quantity" value="1">`
  return html`<form class="add-to-cart" action="/cart/items" method="post" data-enhance="add-to-cart">
    ${csrfField(v)}
    <input type="hidden" name="productId" value="${p.id}">
    ${quantity}
    <button type="submit" class="button primary">Add to cart<span class="visually-hidden">: ${p.name}</span></button>
  </form>`
}

export function productCard(v: ViewContext, p: Product): SafeHtml {
  return html`<li class="card">
    <a class="card-link" href="/products/${p.slug}">
      ${productImage(p, 'card')}
      <span class="card-name">${p.name}</span>
    </a>
    ${p.deal && html`<span class="badge">−${p.deal.discountPercent}%</span>`}
    ${price(p)}
    ${addToCartForm(v, p)}
  </li>`
}

export function productGrid(v: ViewContext, products: Product[], empty = 'No products here yet.'): SafeHtml {
  if (products.length === 0) return html`<p class="empty">${empty}</p>`
  return html`<ul class="grid">${products.map((p) => productCard(v, p))}</ul>`
}

export function alert(message: HtmlValue, kind: 'error' | 'info' = 'error'): HtmlValue {
  if (!message) return null
  return kind === 'error'
    ? html`<div class="alert error" role="alert">${message}</div>`
    : html`<div class="alert info" role="status">${message}</div>`
}

export interface FieldOptions {
  name: string
  label: string
  type?: string
  value?: string | number
  required?: boolean
  autocomplete?: string
  hint?: string
  attrs?: SafeHtml
}

export function field(f: FieldOptions): SafeHtml {
  const id = `f-${f.name}`
  return html`<div class="field">
    <label for="${id}">${f.label}${f.required ? '' : html` <span class="optional">(optional)</span>`}</label>
    ${f.hint && html`<p class="hint" id="${id}-hint">${f.hint}</p>`}
    <input id="${id}" name="${f.name}" type="${f.type ?? 'text'}" value="${f.value ?? ''}"${f.required ? html` required` : ''}${f.autocomplete ? html` autocomplete="${f.autocomplete}"` : ''}${f.hint ? html` aria-describedby="${id}-hint"` : ''}${f.attrs ? html` ${f.attrs}` : ''}>
  </div>`
}

export function breadcrumbs(items: { href?: string; label: string }[]): SafeHtml {
  return html`<nav class="breadcrumbs" aria-label="Breadcrumb"><ol>
    ${items.map((i) => (i.href ? html`<li><a href="${i.href}">${i.label}</a></li>` : html`<li><span aria-current="page">${i.label}</span></li>`))}
  </ol></nav>`
}
