import type { ApiError } from '../api-client.js'
import type { Category, Page, Product } from '../api-types.js'
import { priceInput } from '../format.js'
import { html, queryString, type SafeHtml } from '../html.js'
import { messageFor } from '../messages.js'
import type { PageContent, ViewContext } from './layout.js'
import { alert, breadcrumbs, productGrid } from './parts.js'

/** A category page or a search: the same list with filters and sort. */
export interface Listing {
  q?: string
  category?: string
  /** Root to this category, on a category page. */
  trail?: Category[]
  tree: Category[]
  minPrice?: number
  maxPrice?: number
  sort: string
  error?: ApiError
}

const SORT_LABELS: Record<string, string> = { relevance: 'Best match', newest: 'Newest', price_asc: 'Price: low to high', price_desc: 'Price: high to low' }

export function listingPage(v: ViewContext, l: Listing, page: Page<Product>, isLaterPage: boolean): PageContent {
  const current = l.trail?.at(-1)
  const title = current ? current.name : l.q ? `Results for “${l.q}”` : 'All products'
  const action = current ? `/category/${current.slug}` : '/search'
  const params = { q: l.q, category: current ? undefined : l.category, minPrice: priceInput(l.minPrice), maxPrice: priceInput(l.maxPrice), sort: l.sort }
  return {
    title,
    main: html`
${l.trail && breadcrumbs([{ href: '/', label: 'Home' }, ...l.trail.slice(0, -1).map((c) => ({ href: `/category/${c.slug}`, label: c.name })), { label: current!.name }])}
<h1>${title}</h1>
${current && current.children.length > 0 && html`<nav aria-label="Subcategories"><ul class="chips">${current.children.map((c) => html`<li><a href="/category/${c.slug}">${c.name} (${c.productCount})</a></li>`)}</ul></nav>`}
<div class="listing">
  ${filters(l, action, current === undefined)}
  <section class="results" aria-labelledby="results-title">
    <h2 id="results-title" class="visually-hidden">Products</h2>
    ${l.error && alert(messageFor(l.error))}
    ${productGrid(v, page.items, l.q ? 'No products match your search. Try other words or fewer filters.' : 'No products match these filters.', 4)}
    <p class="pager">
      ${isLaterPage && html`<a href="${action}${queryString(params)}">First page</a>`}
      ${page.nextCursor && html`<a class="button" rel="next" href="${action}${queryString({ ...params, cursor: page.nextCursor })}">Next page</a>`}
    </p>
  </section>
</div>`,
  }
}

function filters(l: Listing, action: string, withCategory: boolean): SafeHtml {
  const sorts = l.q ? Object.keys(SORT_LABELS) : Object.keys(SORT_LABELS).filter((s) => s !== 'relevance')
  return html`<form class="filters" action="${action}" method="get" aria-label="Filter and sort">
    ${action === '/search' ? html`<div class="field"><label for="filter-q">Search words</label><input id="filter-q" name="q" type="search" value="${l.q ?? ''}" maxlength="200"></div>` : l.q && html`<input type="hidden" name="q" value="${l.q}">`}
    ${withCategory && html`<div class="field"><label for="filter-category">Category</label>
      <select id="filter-category" name="category"><option value="">All categories</option>${categoryOptions(l.tree, l.category, 0)}</select></div>`}
    <fieldset class="price-range">
      <legend>Price (USD)</legend>
      <div class="field"><label for="filter-min">From</label><input id="filter-min" name="minPrice" inputmode="decimal" value="${priceInput(l.minPrice)}" size="6" pattern="[0-9]+([.][0-9]{1,2})?"></div>
      <div class="field"><label for="filter-max">To</label><input id="filter-max" name="maxPrice" inputmode="decimal" value="${priceInput(l.maxPrice)}" size="6" pattern="[0-9]+([.][0-9]{1,2})?"></div>
    </fieldset>
    <div class="field"><label for="filter-sort">Sort by</label>
      <select id="filter-sort" name="sort">${sorts.map((s) => html`<option value="${s}"${s === l.sort ? html` selected` : ''}>${SORT_LABELS[s]}</option>`)}</select></div>
    <button type="submit" class="button">Apply</button>
  </form>`
}

function categoryOptions(tree: Category[], selected: string | undefined, depth: number): SafeHtml[] {
  return tree.flatMap((c) => [
    html`<option value="${c.slug}"${c.slug === selected ? html` selected` : ''}>${'\u00a0\u00a0'.repeat(depth)}${c.name}</option>`,
    ...categoryOptions(c.children, selected, depth + 1),
  ])
}
