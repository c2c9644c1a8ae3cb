import assert from 'node:assert/strict'
import { test } from 'node:test'
import { html, queryString, trusted } from '../../src/storefront/html.js'
import { parsePrice, priceInput } from '../../src/storefront/format.js'
import { safeNext } from '../../src/storefront/context.js'
import type { Product } from '../../src/storefront/api-types.js'
import type { ViewContext } from '../../src/storefront/views/layout.js'
import { productGrid } from '../../src/storefront/views/parts.js'

test('every interpolated value is escaped, in text and in quoted attributes', () => {
  const name = `<img src=x onerror=alert(1)> & "quotes" 'too' \`tick\``
  assert.equal(
    html`<p title="${name}">${name}</p>`.toString(),
    '<p title="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; &#39;too&#39; &#96;tick&#96;">&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; &#39;too&#39; &#96;tick&#96;</p>',
  )
})

test('nested templates and lists stay markup; null, undefined and false render nothing; numbers render', () => {
  const items = ['<a>', 'b']
  assert.equal(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`.toString(), '<ul><li>&lt;a&gt;</li><li>b</li></ul>')
  assert.equal(html`${null}${undefined}${false}${0}${trusted('<br>')}`.toString(), '0<br>')
})

test('query strings keep only set values, encoded', () => {
  assert.equal(queryString({ q: 'a&b=c', sort: undefined, cursor: '', page: 2 }), '?q=a%26b%3Dc&page=2')
  assert.equal(queryString({}), '')
})

test('prices typed in a filter become minor units, and anything else is ignored', () => {
  assert.equal(parsePrice('25'), 2500)
  assert.equal(parsePrice(' 19.99 '), 1999)
  assert.equal(parsePrice('0.5'), 50)
  for (const bad of ['', '-1', '1e3', '12.345', 'abc', undefined]) assert.equal(parsePrice(bad), undefined, String(bad))
  assert.equal(priceInput(2500), '25')
  assert.equal(priceInput(1999), '19.99')
})

test('after signing in, only local paths are followed (no open redirect)', () => {
  assert.equal(safeNext('/checkout'), '/checkout')
  for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', 'checkout', undefined]) assert.equal(safeNext(bad), '/', String(bad))
})

test('in a grid, the pictures of the first cards (in view) load at once, the others lazily', () => {
  const variant = (width: number, format: string) => ({ url: `/images/ab/abcd/${width}.${format}`, width, height: width })
  const product = (id: number): Product => ({
    id, slug: `p-${id}`, name: `Product ${id}`, description: '', price: { amount: 100, currency: 'USD' }, salePrice: { amount: 100, currency: 'USD' },
    deal: null, category: null, attributes: {}, stock: 0, inStock: false, createdAt: '', updatedAt: '',
    images: [{ id: `i${id}`, alt: '', position: 0, variants: { avif: [variant(200, 'avif')], webp: [variant(200, 'webp')], jpeg: [variant(200, 'jpg')] } }],
  })
  const v = { csrf: 't' } as ViewContext
  const grid = productGrid(v, [1, 2, 3, 4, 5, 6].map(product), '', 4).toString()
  const imgs = grid.match(/<img [^>]+>/g) ?? []
  assert.equal(imgs.length, 6)
  assert.deepEqual(imgs.map((i) => (/fetchpriority="high"/.test(i) ? 'eager' : /loading="lazy"/.test(i) ? 'lazy' : '?')), ['eager', 'eager', 'eager', 'eager', 'lazy', 'lazy'])
  assert.ok(imgs.every((i) => /width="200" height="200"/.test(i)))
})
