import type { AdminImage, Category, Page, Product } from '../api-types.js'
import { dateTime, money } from '../format.js'
import { html, queryString, type SafeHtml } from '../html.js'
import type { PageContent, ViewContext } from './layout.js'
import { imagesSection } from './admin-images.js'
import { alert, csrfField, field, price } from './parts.js'

export type ProductForm = Partial<Record<'name' | 'slug' | 'description' | 'price' | 'currency' | 'categoryId' | 'stock', string>>
export type Messages = { notice?: string; error?: string }

function flat(tree: Category[], depth = 0): { c: Category; depth: number }[] {
  return tree.flatMap((c) => [{ c, depth }, ...flat(c.children, depth + 1)])
}

function categorySelect(id: string, name: string, tree: Category[], selected: string | undefined, none: string): SafeHtml {
  return html`<select id="${id}" name="${name}"><option value="">${none}</option>${flat(tree).map(
    ({ c, depth }) => html`<option value="${c.id}"${String(c.id) === selected ? html` selected` : ''}>${'\u00a0\u00a0'.repeat(depth)}${c.name}</option>`,
  )}</select>`
}

export function productsPage(v: ViewContext, page: Page<Product>, q: string | undefined): PageContent {
  return {
    title: 'Products',
    admin: true,
    main: html`
<h1>Products</h1>
<p><a class="button primary" href="/admin/products/new">New product</a></p>
<form class="filters inline-filters" action="/admin/products" method="get" role="search" aria-label="Search the catalog">
  <div class="field"><label for="admin-q">Search products</label><input id="admin-q" name="q" type="search" value="${q ?? ''}"></div>
  <button type="submit" class="button">Search</button>
</form>
<table class="admin-products">
  <caption class="visually-hidden">Products</caption>
  <thead><tr><th scope="col">Product</th><th scope="col">Category</th><th scope="col">Price</th><th scope="col">Stock</th></tr></thead>
  <tbody>${page.items.map(
    (p) => html`<tr>
      <td><a href="/admin/products/${p.id}">${p.name}</a></td>
      <td>${p.category?.name ?? '—'}</td>
      <td>${price(p)}</td>
      <td><form class="inline" action="/admin/products/${p.id}/stock" method="post">${csrfField(v)}<input type="hidden" name="back" value="list">
        <label class="visually-hidden" for="stock-${p.id}">Stock of ${p.name}</label>
        <input id="stock-${p.id}" name="stock" type="number" min="0" value="${p.stock}" class="qty"> <button type="submit" class="button small">Set</button></form></td>
    </tr>`,
  )}</tbody>
</table>
${page.nextCursor && html`<p class="pager"><a class="button" rel="next" href="/admin/products${queryString({ q, cursor: page.nextCursor })}">Next page</a></p>`}`,
  }
}

/** An existing product's page also shows its images and the upload form. */
export interface Existing {
  product: Product
  images: AdminImage[]
  maxBytes: number
}

export function productFormPage(v: ViewContext, tree: Category[], f: ProductForm, existing?: Existing, m: Messages = {}): PageContent {
  const p = existing?.product
  const action = p ? `/admin/products/${p.id}/edit` : '/admin/products'
  return {
    title: p ? `Edit ${p.name}` : 'New product',
    admin: true,
    main: html`
<p><a href="/admin/products">← Products</a>${p && html` · <a href="/products/${p.slug}">View in the shop</a>`}</p>
<h1>${p ? html`Edit ${p.name}` : 'New product'}</h1>
${alert(m.notice, 'info')}
${alert(m.error)}
<form class="stack" action="${action}" method="post">
  ${csrfField(v)}
  ${field({ name: 'name', label: 'Name', value: f.name, required: true, attrs: html`maxlength="200"` })}
  ${field({ name: 'slug', label: 'Slug (web address)', value: f.slug, hint: 'Lower-case words joined by dashes; made from the name when empty.', attrs: html`maxlength="120"` })}
  <div class="field"><label for="f-description">Description <span class="optional">(optional)</span></label><textarea id="f-description" name="description" rows="5" maxlength="5000">${f.description ?? ''}</textarea></div>
  <div class="row">
    ${field({ name: 'price', label: 'Price', value: f.price, required: true, attrs: html`inputmode="decimal"` })}
    ${field({ name: 'currency', label: 'Currency', value: f.currency, required: true, attrs: html`maxlength="3" size="3"` })}
  </div>
  <div class="field"><label for="f-categoryId">Category</label>${categorySelect('f-categoryId', 'categoryId', tree, f.categoryId, 'No category')}</div>
  ${!p && field({ name: 'stock', label: 'Stock', type: 'number', value: f.stock, required: true, attrs: html`min="0"` })}
  <button type="submit" class="button primary">${p ? 'Save' : 'Create product'}</button>
</form>
${existing && imagesSection(v, existing.product, existing.images, existing.maxBytes)}
${p && html`
<h2>Stock</h2>
<form class="inline" action="/admin/products/${p.id}/stock" method="post">${csrfField(v)}
  <label for="stock">Units in stock</label> <input id="stock" name="stock" type="number" min="0" value="${p.stock}" class="qty">
  <button type="submit" class="button">Set stock</button></form>
<h2>Delete</h2>
<form action="/admin/products/${p.id}/delete" method="post" data-confirm="Delete this product? Orders keep their lines.">${csrfField(v)}
  <button type="submit" class="button danger">Delete product</button></form>`}`,
  }
}

export function categoriesPage(v: ViewContext, tree: Category[], m: Messages): PageContent {
  return {
    title: 'Categories',
    admin: true,
    main: html`
<h1>Categories</h1>
${alert(m.notice, 'info')}
${alert(m.error)}
<table>
  <caption class="visually-hidden">Categories</caption>
  <thead><tr><th scope="col">Name</th><th scope="col">Products</th><th scope="col">Actions</th></tr></thead>
  <tbody>${flat(tree).map(
    ({ c, depth }) => html`<tr><td class="depth-${Math.min(depth, 3)}">
      <form class="inline" action="/admin/categories/${c.id}/rename" method="post">${csrfField(v)}
        <label class="visually-hidden" for="cat-${c.id}">Name of ${c.name}</label><input id="cat-${c.id}" name="name" value="${c.name}" maxlength="120">
        <button type="submit" class="button small">Rename</button></form></td>
      <td class="num">${c.productCount}</td>
      <td><form class="inline" action="/admin/categories/${c.id}/delete" method="post" data-confirm="Delete this category?">${csrfField(v)}<button type="submit" class="button small danger">Delete<span class="visually-hidden"> ${c.name}</span></button></form></td></tr>`,
  )}</tbody>
</table>
<h2>New category</h2>
<form class="stack" action="/admin/categories" method="post">${csrfField(v)}
  ${field({ name: 'name', label: 'Name', required: true, attrs: html`maxlength="120"` })}
  ${field({ name: 'slug', label: 'Slug', hint: 'Made from the name when empty.', attrs: html`maxlength="80"` })}
  <div class="field"><label for="f-parentId">Parent</label>${categorySelect('f-parentId', 'parentId', tree, undefined, 'None (top level)')}</div>
  <button type="submit" class="button primary">Create category</button>
</form>`,
  }
}

export function dealsPage(v: ViewContext, deals: Product[], m: Messages): PageContent {
  return {
    title: 'Deals',
    admin: true,
    main: html`
<h1>Running deals</h1>
${alert(m.notice, 'info')}
${alert(m.error)}
${deals.length === 0 ? html`<p class="empty">No deals running.</p>` : html`<table>
  <caption class="visually-hidden">Running deals</caption>
  <thead><tr><th scope="col">Product</th><th scope="col">Deal</th><th scope="col">Price</th><th scope="col">Ends</th><th scope="col">Actions</th></tr></thead>
  <tbody>${deals.map(
    (p) => html`<tr><td><a href="/admin/products/${p.id}">${p.name}</a></td><td>${p.deal?.title || '—'} (−${p.deal?.discountPercent}%)</td><td>${money(p.salePrice)}</td><td>${p.deal ? dateTime(p.deal.endsAt) : ''}</td>
      <td>${p.deal && html`<form class="inline" action="/admin/deals/${p.deal.id}/delete" method="post">${csrfField(v)}<button type="submit" class="button small danger">End<span class="visually-hidden"> the deal on ${p.name}</span></button></form>`}</td></tr>`,
  )}</tbody></table>`}
<h2>New deal</h2>
<form class="stack" action="/admin/deals" method="post">${csrfField(v)}
  ${field({ name: 'productId', label: 'Product id', required: true, hint: 'The number in the product’s admin address.', attrs: html`inputmode="numeric"` })}
  ${field({ name: 'title', label: 'Title', attrs: html`maxlength="200"` })}
  <div class="row">
    ${field({ name: 'discountPercent', label: 'Discount (%)', type: 'number', value: 10, required: true, attrs: html`min="1" max="90"` })}
    ${field({ name: 'days', label: 'Runs for (days)', type: 'number', value: 7, required: true, attrs: html`min="1" max="365"` })}
  </div>
  <button type="submit" class="button primary">Start deal</button>
</form>`,
  }
}
