import type { ImageVariant, Money, Product } from '../api-types.js'
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

/** How wide a picture is drawn: a grid card (columns of at least 10.5rem), or the product page's (at most 30rem). */
const SIZES = { card: '(min-width: 40rem) 14rem, 45vw', large: '(min-width: 48rem) 30rem, 100vw' }

const srcset = (variants: ImageVariant[]) => variants.map((x) => `${x.url} ${x.width}w`).join(', ')

/**
 * A product's first picture: AVIF, then WebP, then JPEG (every browser), each at
 * every width, so the browser picks what the slot and the screen need. width and
 * height are the largest variant's, so the space is kept before the bytes arrive.
 * Pictures below the fold load lazily; `eager` is for the first ones on a page.
 * A product without a picture yet gets a placeholder with its initials.
 */
export function productImage(p: Product, size: 'card' | 'large', eager = false): SafeHtml {
  const image = [...p.images].sort((a, b) => a.position - b.position)[0]
  const jpeg = image?.variants.jpeg ?? []
  const largest = jpeg[jpeg.length - 1]
  if (!image || !largest) {
    return html`<div class="product-image placeholder ${size}" role="img" aria-label="No photo of ${p.name} yet"><span aria-hidden="true">${initials(p.name)}</span></div>`
  }
  // In a card the picture sits in a link that names the product: it is decorative there (alt="").
  // A card never needs the largest width as its fallback: the smallest at or above 600 px, or the largest.
  const fallback = size === 'card' ? (jpeg.find((x) => x.width >= 600) ?? largest) : largest
  const sizes = SIZES[size]
  return html`<picture class="product-image ${size}">
    ${image.variants.avif.length > 0 && html`<source type="image/avif" srcset="${srcset(image.variants.avif)}" sizes="${sizes}">`}
    ${image.variants.webp.length > 0 && html`<source type="image/webp" srcset="${srcset(image.variants.webp)}" sizes="${sizes}">`}
    <img src="${fallback.url}" srcset="${srcset(jpeg)}" sizes="${sizes}" width="${largest.width}" height="${largest.height}" alt="${size === 'card' ? '' : image.alt || p.name}"${eager ? html` fetchpriority="high"` : html` loading="lazy"`} decoding="async">
  </picture>`
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter((w) => /^[A-Za-z0-9]/.test(w))
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('')
}

/** "Size: M, Colour: Blue" (empty for a product without options). */
export function optionsText(options: Record<string, string>): string {
  return Object.entries(options).map(([name, value]) => `${name}: ${value}`).join(', ')
}

/**
 * The add-to-cart form. A product with options offers its variants in a labelled
 * <select> (a plain form field: it works without JavaScript); where its variants
 * are not known (a card in a list), the card links to the product page instead.
 */
export function addToCartForm(v: ViewContext, p: Product, withQuantity = false): SafeHtml {
  if (!p.inStock) return html`<p class="stock out">Out of stock</p>`
  const choices = (p.variants ?? []).filter((x) => Object.keys(x.options).length > 0)
  const options = p.options ?? []
  if (options.length > 0 && choices.length === 0) return html`<a class="button" href="/products/${p.slug}">Choose options<span class="visually-hidden">: ${p.name}</span></a>`
  const max = Math.min(10, choices.length ? Math.max(...choices.map((x) => x.stock)) : p.stock)
  const quantity = withQuantity
    ? html`<label for="qty-${p.id}">Quantity</label>
      <select id="qty-${p.id}" name="quantity">${Array.from({ length: max }, (_, i) => html`<option value="${i + 1}">${i + 1}</option>`)}</select>`
    : html`<input type="hidden" name="quantity" value="1">`
  const variant = choices.length > 0 &&
    html`<label for="variant-${p.id}">${options.map((o) => o.name).join(' / ')}</label>
      <select id="variant-${p.id}" name="variantId" required>${choices.map(
        (x) => html`<option value="${x.id}"${x.inStock ? '' : ' disabled'}>${Object.values(x.options).join(' / ')} — ${money(x.salePrice)}${x.inStock ? (x.stock <= 5 ? ` (only ${x.stock} left)` : '') : ' (out of stock)'}</option>`,
      )}</select>`
  return html`<form class="add-to-cart" action="/cart/items" method="post" data-enhance="add-to-cart">
    ${csrfField(v)}
    <input type="hidden" name="productId" value="${p.id}">
    ${variant}
    ${quantity}
    <button type="submit" class="button primary">Add to cart<span class="visually-hidden">: ${p.name}</span></button>
  </form>`
}

export function productCard(v: ViewContext, p: Product, eager = false): SafeHtml {
  return html`<li class="card">
    <a class="card-link" href="/products/${p.slug}">
      ${productImage(p, 'card', eager)}
      <span class="card-name">${p.name}</span>
    </a>
    ${p.deal && html`<span class="badge">−${p.deal.discountPercent}%</span>`}
    ${price(p)}
    ${addToCartForm(v, p)}
  </li>`
}

/** `eager`: how many of the first cards are in view when the page opens (their pictures load at once). */
export function productGrid(v: ViewContext, products: Product[], empty = 'No products here yet.', eager = 0): SafeHtml {
  if (products.length === 0) return html`<p class="empty">${empty}</p>`
  return html`<ul class="grid">${products.map((p, i) => productCard(v, p, i < eager))}</ul>`
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
