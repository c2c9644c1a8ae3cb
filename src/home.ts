import type { App } from './platform/server.js'

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Emporium</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #222 }
  code { background: #f3f3f3; padding: 0 .25rem; border-radius: 3px }
  li { margin: .25rem 0 }
</style>
</head>
<body>
<h1>Emporium</h1>
<p>The shop is running. Its API:</p>
<ul>
  {{docs}}
  <li><a href="/api/products?limit=20">Products</a> · <a href="/api/categories">Categories</a> ·
      <a href="/api/deals">Deals</a> · <a href="/api/recommendations">Recommendations</a></li>
  <li>Cart <code>/api/cart</code> · Orders <code>/api/orders</code> · Accounts <code>/api/auth</code></li>
  <li><a href="/dev/mail">The shop's outgoing e-mail</a> (embedded mailbox)</li>
  <li><a href="/health">Health</a></li>
</ul>
<p>Search: <code>/api/products?q=leather+boots&amp;sort=price_asc</code></p>
</body>
</html>
`

/** The front page of the embedded shop until the storefront replaces it. */
export function registerHomePage(app: App, options: { docs: boolean }) {
  const page = PAGE.replace('{{docs}}', options.docs ? '<li><a href="/docs">API documentation (OpenAPI)</a></li>' : '')
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(page))
}
