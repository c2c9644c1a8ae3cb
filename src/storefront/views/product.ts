import type { Product } from '../api-types.js'
import { dateTime } from '../format.js'
import { html } from '../html.js'
import type { PageContent, ViewContext } from './layout.js'
import { addToCartForm, alert, breadcrumbs, price, productGrid, productImage } from './parts.js'

export function productPage(v: ViewContext, p: Product, recommended: Product[], added: boolean): PageContent {
  const attributes = Object.entries(p.attributes).filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))
  return {
    title: p.name,
    description: p.description.slice(0, 160) || p.name,
    main: html`
${breadcrumbs([{ href: '/', label: 'Home' }, ...(p.category ? [{ href: `/category/${p.category.slug}`, label: p.category.name }] : []), { label: p.name }])}
${added && alert(html`Added to your cart. <a href="/cart">View cart</a>`, 'info')}
<article class="product">
  <div class="product-media">${productImage(p, 'large', true)}</div>
  <div class="product-info">
    <h1>${p.name}</h1>
    <p class="product-price">${price(p)}</p>
    ${p.deal && html`<p class="deal"><span class="badge">−${p.deal.discountPercent}%</span> ${p.deal.title || 'Deal'} · until ${dateTime(p.deal.endsAt)}</p>`}
    <p class="stock ${p.inStock ? 'in' : 'out'}">${p.inStock ? (p.stock <= 5 ? `Only ${p.stock} left in stock` : 'In stock') : 'Out of stock'}</p>
    ${addToCartForm(v, p, true)}
    <p class="live" role="status" data-cart-status></p>
    ${p.description && html`<h2>Description</h2><p class="description">${p.description}</p>`}
    ${attributes.length > 0 && html`<h2>Details</h2><table class="attributes"><tbody>
      ${attributes.map(([k, value]) => html`<tr><th scope="row">${k}</th><td>${String(value)}</td></tr>`)}
    </tbody></table>`}
  </div>
</article>
<section aria-labelledby="rec-title">
  <h2 id="rec-title">Customers also bought</h2>
  ${productGrid(v, recommended, 'No recommendations yet.')}
</section>`,
  }
}
