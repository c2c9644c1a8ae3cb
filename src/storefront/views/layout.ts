import type { Identity } from '../../platform/auth/token-verifier.js'
import type { Assets } from '../assets.js'
import type { Category } from '../api-types.js'
import { html, type HtmlValue, type SafeHtml } from '../html.js'

/** What every page needs to know about the request, besides its own data. */
export interface ViewContext {
  shopName: string
  apiDocs: boolean
  identity: Identity | null
  cartCount: number
  /** CSRF token for the page's forms. */
  csrf: string
  assets: Assets
  /** Path and query of this page (links back here after signing in). */
  url: string
  /** Top-level categories for the navigation (empty when the catalog could not be read). */
  categories: Category[]
  /** The search box's text. */
  query?: string
}

export interface PageContent {
  title: string
  main: HtmlValue
  description?: string
  /** An admin page: the admin navigation replaces the categories. */
  admin?: boolean
}

export function isAdmin(v: ViewContext): boolean {
  return v.identity?.roles.includes('admin') ?? false
}

export function layout(v: ViewContext, page: PageContent): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · ${v.shopName}</title>
<meta name="description" content="${page.description ?? `${v.shopName}: shop online`}">
<link rel="stylesheet" href="${v.assets.url('app.css')}">
<link rel="icon" href="${v.assets.url('favicon.svg')}" type="image/svg+xml">
<script src="${v.assets.url('app.js')}" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
  <div class="bar">
    <a class="brand" href="/">${v.shopName}</a>
    ${searchForm(v)}
    ${accountNav(v)}
  </div>
  ${page.admin ? adminNav() : categoryNav(v)}
</header>
<main id="main">
${page.main}
</main>
<footer class="site-footer">
  <p>${v.shopName} runs on an open-source shop backend.
  ${v.apiDocs && html`<a href="/docs">API documentation</a> · `}<a href="/api/products">Products as JSON</a></p>
</footer>
</body>
</html>
`
}

function searchForm(v: ViewContext): SafeHtml {
  return html`<form class="search" role="search" aria-label="Search the shop" action="/search" method="get">
      <label class="visually-hidden" for="search-q">Search products</label>
      <input id="search-q" name="q" type="search" value="${v.query ?? ''}" placeholder="Search products" maxlength="200" autocomplete="off" data-suggest="/search/suggest">
      <button type="submit">Search</button>
    </form>`
}

function accountNav(v: ViewContext): SafeHtml {
  const account = v.identity
    ? html`<a href="/account">Account</a>${isAdmin(v) && html` <a href="/admin">Admin</a>`}`
    : html`<a href="/account/sign-in">Sign in</a>`
  return html`<nav class="account-nav" aria-label="Your account">
      ${account}
      <a href="/cart" class="cart-link">Cart <span class="count" data-cart-count>${v.cartCount}</span><span class="visually-hidden"> items</span></a>
    </nav>`
}

function categoryNav(v: ViewContext): HtmlValue {
  if (v.categories.length === 0) return null
  return html`<nav class="category-nav" aria-label="Categories"><ul>
    ${v.categories.map((c) => html`<li><a href="/category/${c.slug}">${c.name}</a></li>`)}
  </ul></nav>`
}

function adminNav(): SafeHtml {
  return html`<nav class="category-nav admin-nav" aria-label="Admin"><ul>
    <li><a href="/admin">Dashboard</a></li>
    <li><a href="/admin/products">Products</a></li>
    <li><a href="/admin/categories">Categories</a></li>
    <li><a href="/admin/deals">Deals</a></li>
    <li><a href="/admin/orders">Orders</a></li>
  </ul></nav>`
}
