import type { Category, Product } from '../api-types.js'
import { html } from '../html.js'
import type { PageContent, ViewContext } from './layout.js'
import { productGrid } from './parts.js'

export interface HomeData {
  deals: Product[]
  categories: Category[]
  bestSellers: Product[]
}

export function homePage(v: ViewContext, d: HomeData): PageContent {
  return {
    title: 'Home',
    description: `${v.shopName}: deals, categories and best sellers`,
    main: html`
<section class="hero">
  <h1>Welcome to ${v.shopName}</h1>
  <p>Everyday things, fairly priced. Browse the categories, or search above.</p>
</section>
<section aria-labelledby="deals-title">
  <h2 id="deals-title">Today's deals</h2>
  ${productGrid(v, d.deals, 'No deals running right now.', 4)}
</section>
<section aria-labelledby="categories-title">
  <h2 id="categories-title">Shop by category</h2>
  <ul class="category-tiles">
    ${d.categories.map(
      (c) => html`<li><a href="/category/${c.slug}"><span class="tile-name">${c.name}</span> <span class="tile-count">${c.productCount} products</span></a>
        ${c.children.length > 0 && html`<ul class="subcategories">${c.children.map((s) => html`<li><a href="/category/${s.slug}">${s.name}</a></li>`)}</ul>`}
      </li>`,
    )}
  </ul>
</section>
<section aria-labelledby="best-title">
  <h2 id="best-title">Best sellers</h2>
  ${productGrid(v, d.bestSellers, 'Nothing sold yet: be the first!')}
</section>`,
  }
}
