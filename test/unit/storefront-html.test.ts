import assert from 'node:assert/strict'
import { test } from 'node:test'
import { html, queryString, trusted } from '../../src/storefront/html.js'
import { parsePrice, priceInput } from '../../src/storefront/format.js'
import { safeNext } from '../../src/storefront/context.js'

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
