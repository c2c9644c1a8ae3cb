import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import { ApiError, createHttpApiClient } from '../../src/storefront/api-client.js'
import type { Quote } from '../../src/storefront/api-types.js'
import { writeAssets } from '../../src/storefront/assets.js'
import { money } from '../../src/storefront/format.js'
import { bearer, PASSWORD, registerUser, uniqueEmail } from '../helpers/auth-fixture.js'
import { buildTestApp } from '../helpers/build-app.js'
import { csrfOf, jar } from '../helpers/cookie-jar.js'
import { photoJpeg } from '../helpers/image-fixtures.js'
import { IMAGE_TEST_ENV, productShowing, uploadReady } from '../helpers/product-images-fixture.js'

/** The storefront's guarantees that need no browser: headers, CSRF, escaping, sessions, errors, the API client. */

async function adminToken(built: BuiltApp) {
  const account = await registerUser(built, uniqueEmail('admin'))
  await built.deps.db.query(`update auth.users set roles = array['customer', 'admin'] where id = $1`, [account.user.id])
  const login = await built.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: account.user.email, password: PASSWORD } })
  return login.json<{ accessToken: string }>().accessToken
}

describe('storefront pages', () => {
  test('pages carry a strict Content-Security-Policy (no inline script or style) while the API keeps its own', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false' } })
    const page = await built.app.inject({ method: 'GET', url: '/' })
    assert.equal(page.statusCode, 200)
    const csp = String(page.headers['content-security-policy'])
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.match(csp, /style-src 'self'(;|$)/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    assert.equal(page.headers['cache-control'], 'private, no-cache')
    assert.doesNotMatch(page.body, /<script>|<style>| on[a-z]+=| style=/, 'no inline script, style or handler in the markup')
    const api = await built.app.inject({ method: 'GET', url: '/api/products' })
    assert.notEqual(api.headers['content-security-policy'], csp)
  })

  test("every storefront answer (page, error page, refusal, redirect) has the pages' policy and the platform's other security headers", async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false' } })
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const answers = {
      page: await built.app.inject({ method: 'GET', url: '/' }),
      'error page': await built.app.inject({ method: 'GET', url: '/products/no-such-thing' }),
      'CSRF refusal': await built.app.inject({ method: 'POST', url: '/cart/items', headers: form, payload: 'productId=1&quantity=1' }),
      redirect: await built.app.inject({ method: 'GET', url: '/admin' }),
    }
    assert.deepEqual(Object.values(answers).map((a) => a.statusCode), [200, 404, 403, 303])
    for (const [what, res] of Object.entries(answers)) {
      const csp = String(res.headers['content-security-policy']).split(';').map((d) => d.trim())
      for (const directive of ["script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"]) {
        assert.ok(csp.includes(directive), `${what}: ${directive} in ${csp.join('; ')}`)
      }
      assert.equal(res.headers['x-content-type-options'], 'nosniff', what)
      assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/, what)
      assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', what)
      assert.equal(res.headers['referrer-policy'], 'no-referrer', what)
      assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', what)
    }
  })

  test('a form posted without the token of its page is refused with 403 and changes nothing', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false', SEED_DEMO_PRODUCTS: '5' } })
    const productId = (await built.app.inject({ method: 'GET', url: '/api/products?limit=1' })).json<{ items: { id: number }[] }>().items[0]!.id
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const browser = jar()
    const home = browser.take(await built.app.inject({ method: 'GET', url: '/' }))
    const token = csrfOf(home.body)

    const forged = await built.app.inject({ method: 'POST', url: '/cart/items', headers: { ...form, cookie: browser.header() }, payload: `productId=${productId}&quantity=1` })
    assert.equal(forged.statusCode, 403)
    assert.match(forged.body, /This form has expired/)
    const noCookie = await built.app.inject({ method: 'POST', url: '/cart/items', headers: form, payload: `_csrf=${encodeURIComponent(token)}&productId=${productId}&quantity=1` })
    assert.equal(noCookie.statusCode, 403)
    assert.equal(browser.get('emp_cart'), undefined)

    const real = browser.take(
      await built.app.inject({ method: 'POST', url: '/cart/items', headers: { ...form, cookie: browser.header() }, payload: `_csrf=${encodeURIComponent(token)}&productId=${productId}&quantity=1` }),
    )
    assert.equal(real.statusCode, 303)
    assert.ok(browser.get('emp_cart'), 'the guest cart token is kept in a cookie')
    const cart = await built.app.inject({ method: 'GET', url: '/cart', headers: { cookie: browser.header() } })
    assert.match(cart.body, /Subtotal \(1 item\)/)
  })

  test('a product with options offers its variants in a labelled select that works without JavaScript; the cart shows the chosen options', async (t) => {
    // The demo catalog's one product with options: a jacket in Size × Colour.
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false', SEED_DEMO_PRODUCTS: '1' } })
    const jacket = (await built.app.inject({ method: 'GET', url: '/api/products/emporium-hooded-rain-jacket' })).json<{ id: number; variants: { id: number; options: Record<string, string>; inStock: boolean }[] }>()
    assert.equal(jacket.variants.length, 12)
    const browser = jar()
    const listing = await built.app.inject({ method: 'GET', url: '/search?sort=newest' })
    assert.match(listing.body, /<a class="button" href="\/products\/emporium-hooded-rain-jacket">Choose options/, 'a card cannot add without a choice')
    const page = browser.take(await built.app.inject({ method: 'GET', url: '/products/emporium-hooded-rain-jacket' }))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, new RegExp(`<label for="variant-${jacket.id}">Size / Colour</label>\\s*<select id="variant-${jacket.id}" name="variantId" required>`))
    const select = /<select id="variant-\d+" name="variantId" required>([\s\S]*?)<\/select>/.exec(page.body)![1]!
    const options = [...select.matchAll(/<option value="(\d+)"( disabled)?>([^<]*)<\/option>/g)]
    assert.deepEqual(options.map((m) => Number(m[1])), jacket.variants.map((v) => v.id))
    assert.equal(options.length, 12)
    assert.deepEqual(options.map((m) => m[2] === undefined), jacket.variants.map((v) => v.inStock), 'sold-out variants are offered disabled')
    const navy = jacket.variants.find((v) => v.options.Size === 'M' && v.options.Colour === 'Navy')!
    assert.match(page.body, new RegExp(`<option value="${navy.id}">M / Navy — \\$89\\.00`))
    const form = { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.header() }
    const added = browser.take(
      await built.app.inject({ method: 'POST', url: '/cart/items', headers: form, payload: `_csrf=${encodeURIComponent(csrfOf(page.body))}&productId=${jacket.id}&variantId=${navy.id}&quantity=2` }),
    )
    assert.equal(added.statusCode, 303, added.body)
    const cart = await built.app.inject({ method: 'GET', url: '/cart', headers: { cookie: browser.header() } })
    assert.match(cart.body, /<small class="variant">Size: M, Colour: Navy<\/small>/)
    assert.match(cart.body, new RegExp(`<input type="hidden" name="variantId" value="${navy.id}">`))
    assert.match(cart.body, /Subtotal \(2 items\)/)
  })

  test('names and descriptions from the catalog are escaped on every page that shows them', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false' } })
    const hostile = '<img src=x onerror=alert(1)>'
    const created = await built.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: bearer(await adminToken(built)),
      payload: { slug: 'hostile', name: hostile, description: '"><script>alert(2)</script>', price: { amount: 500, currency: 'USD' }, stock: 3 },
    })
    assert.equal(created.statusCode, 201, created.body)
    for (const url of ['/products/hostile', '/search?sort=newest', '/search?q=onerror']) {
      const res = await built.app.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 200, url)
      assert.doesNotMatch(res.body, /<img src=x|<script>alert/, url)
      if (url !== '/search?q=onerror') assert.match(res.body, /&lt;img src=x onerror=alert\(1\)&gt;/, url)
    }
  })

  test('a product picture is a <picture> with AVIF, WebP and JPEG srcsets, its size set, lazy below the fold; a product without one shows a placeholder', async (t) => {
    // The workers on: a finished picture reaches the product's answers through the product.image_ready event.
    const built = await buildTestApp(t, { env: { SEED_DEMO_PRODUCTS: '0', PRODUCT_RATE_LIMIT_MAX: '100000', ...IMAGE_TEST_ENV } })
    const admin = bearer(await adminToken(built))
    const create = async (slug: string) => {
      const res = await built.app.inject({ method: 'POST', url: '/api/products', headers: admin, payload: { slug, name: `Lamp ${slug}`, price: { amount: 1500, currency: 'USD' }, stock: 3 } })
      assert.equal(res.statusCode, 201, res.body)
      return res.json<{ id: number; slug: string }>()
    }
    const without = await create('lamp-without')
    const withPicture = await create('lamp-with')
    const image = await uploadReady(built, withPicture.id, admin, await photoJpeg(900, 600), 'A test photo')
    assert.equal(image.status, 'ready')
    await productShowing(built, withPicture.id, [image.id])

    const page = (await built.app.inject({ method: 'GET', url: `/products/${withPicture.slug}` })).body
    const picture = /<picture class="product-image large">([\s\S]*?)<\/picture>/.exec(page)?.[1]
    assert.ok(picture, 'the product page has the picture')
    assert.match(picture, /<source type="image\/avif" srcset="[^"]+\.avif 200w, [^"]+\.avif 600w, [^"]+\.avif 900w"/)
    assert.match(picture, /<source type="image\/webp" srcset="[^"]+ 200w, [^"]+ 600w, [^"]+ 900w"/)
    assert.match(picture, /<img src="[^"]+\/900\.jpg" srcset="[^"]+\/200\.jpg 200w, [^"]+\/600\.jpg 600w, [^"]+\/900\.jpg 900w" sizes="[^"]+" width="900" height="600" alt="A test photo" fetchpriority="high"/)
    const url = /<img src="([^"]+)"/.exec(picture)![1]!
    assert.equal((await built.app.inject({ method: 'GET', url })).statusCode, 200, 'the picture is served')

    const listing = (await built.app.inject({ method: 'GET', url: '/search?sort=newest' })).body
    assert.match(listing, /<img src="[^"]+\/600\.jpg"[^>]* width="900" height="600" alt="" fetchpriority="high"/, 'a card in view: a medium fallback, loaded at once, decorative in its link')
    assert.match(listing, new RegExp(`href="/products/${without.slug}">\\s*<div class="product-image placeholder card" role="img" aria-label="No photo of [^"]+ yet">`))
  })

  test('the search box suggests from the first letters of a word, and past a typo', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false', SEED_DEMO_PRODUCTS: '0' } })
    const created = await built.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: bearer(await adminToken(built)),
      payload: { slug: 'studio-headphones', name: 'Studio Headphones', price: { amount: 9900, currency: 'USD' }, stock: 3 },
    })
    assert.equal(created.statusCode, 201, created.body)
    const suggest = async (q: string) => {
      const res = await built.app.inject({ method: 'GET', url: `/search/suggest?q=${encodeURIComponent(q)}`, headers: { accept: 'application/json' } })
      assert.equal(res.statusCode, 200)
      return res.json<{ items: { name: string; url: string }[]; correctedQuery?: string }>()
    }
    assert.deepEqual((await suggest('headph')).items, [{ name: 'Studio Headphones', url: '/products/studio-headphones' }])
    const typo = await suggest('studoi headphones')
    assert.deepEqual(typo.items.map((i) => i.name), ['Studio Headphones'])
    assert.equal(typo.correctedQuery, 'studio headphones')
    assert.deepEqual((await suggest('h')).items, [], 'one letter asks nothing')
  })

  test('requests racing with one refresh token share one refresh: the session survives and every page is signed in', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false', AUTH_RATE_LIMIT_MAX: '1000' } })
    const account = await registerUser(built)
    // The access cookie is gone (expired): only the refresh token is left.
    const cookie = `emp_rt=${account.refreshToken}`
    const pages = await Promise.all([1, 2, 3].map(() => built.app.inject({ method: 'GET', url: '/account', headers: { cookie } })))
    for (const page of pages) {
      assert.equal(page.statusCode, 200, 'signed in, not sent to the sign-in page')
      assert.match(page.body, new RegExp(account.user.email.replace('.', '\\.')))
    }
    const renewed = jar()
    renewed.take(pages[2]!)
    assert.ok(renewed.get('emp_at'))
    assert.notEqual(renewed.get('emp_rt'), account.refreshToken, 'the refresh token rotated')
    // The rotated token still works: one refresh happened, so the family was not revoked as reused.
    const later = await built.app.inject({ method: 'GET', url: '/account', headers: { cookie: `emp_rt=${renewed.get('emp_rt')}` } })
    assert.equal(later.statusCode, 200)
  })

  test('a declined card answers the checkout page with the reason and the cart kept; the same form sent again is one attempt; another card pays', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false', SEED_DEMO_PRODUCTS: '5', AUTH_RATE_LIMIT_MAX: '1000' } })
    const account = await registerUser(built)
    const product = (await built.app.inject({ method: 'GET', url: '/api/products?limit=5' })).json<{ items: { id: number; stock: number }[] }>().items.find((p) => p.stock > 0)!
    const added = await built.app.inject({ method: 'POST', url: '/api/cart/items', headers: bearer(account.accessToken), payload: { productId: product.id, quantity: 1 } })
    assert.equal(added.statusCode, 200, added.body)
    const { get, post } = signedInBrowser(built, account.refreshToken)
    const address = { name: 'Ada Lovelace', line1: '12 Analytical Row', city: 'London', postalCode: 'N1 9GU', country: 'GB', cardExpiry: '12/34', cardCvc: '123' }

    const checkout = await get('/checkout')
    assert.equal(checkout.statusCode, 200)
    const declinedForm = { _csrf: csrfOf(checkout.body), idempotencyKey: keyOf(checkout.body), ...address, cardNumber: '4000 0000 0000 0002' }
    const declined = await post('/checkout', declinedForm)
    assert.equal(declined.statusCode, 402)
    assert.match(declined.body, /Your payment did not go through: the card was declined \(card_declined\)\. Nothing was charged and your cart is unchanged/)
    assert.match(declined.body, /1 × /, 'the cart is still there')
    assert.match(declined.body, /value="12 Analytical Row"/, 'the address is kept')
    assert.doesNotMatch(declined.body, /value="4000 0000 0000 0002"/, 'the declined number is not offered again')
    assert.notEqual(keyOf(declined.body), declinedForm.idempotencyKey, 'a new attempt gets a new key')
    assert.doesNotMatch(declined.body, /\/pay"/, 'no pay form: there is no order to pay')

    // The same form sent again (a reload of the answer): the API replays its answer, no second attempt.
    const resent = await post('/checkout', declinedForm)
    assert.equal(resent.statusCode, 402)
    const admin = bearer(await adminToken(built))
    const failed = (await built.app.inject({ method: 'GET', url: '/api/orders?status=payment_failed', headers: admin })).json<{ items: unknown[] }>()
    assert.equal(failed.items.length, 1, 'one declined attempt')
    const mine = (await built.app.inject({ method: 'GET', url: '/api/orders', headers: bearer(account.accessToken) })).json<{ items: unknown[] }>()
    assert.equal(mine.items.length, 0, 'no order for the customer')

    const paid = await post('/checkout', { ...declinedForm, _csrf: csrfOf(declined.body), idempotencyKey: keyOf(declined.body), cardNumber: '4242 4242 4242 4242' })
    assert.equal(paid.statusCode, 303, paid.body)
    const orderUrl = String(paid.headers.location)
    assert.match(orderUrl, /^\/account\/orders\/[0-9a-f-]{36}\?placed=1$/)
    const order = await get(orderUrl)
    assert.match(order.body, /Your order is placed and paid/)
    assert.match(order.body, /class="status status-paid"/)
    assert.equal((await get('/cart')).body.includes('Your cart is empty'), true)
  })

  test('checkout shows what Pay charges: promotion, code, shipping and tax for the form’s country; Update the total re-prices without buying; the order page shows the same', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false', SEED_DEMO_PRODUCTS: '5', AUTH_RATE_LIMIT_MAX: '1000', ORDER_RATE_LIMIT_MAX: '1000' } })
    const boss = bearer(await adminToken(built))
    const setUp = async (url: string, payload: object, method: 'POST' | 'PUT' = 'POST') => assert.ok((await built.app.inject({ method, url: `/api/orders${url}`, headers: boss, payload })).statusCode < 300)
    await setUp('/tax-rates', { country: 'GB', name: 'VAT', rateBasisPoints: 2000 }, 'PUT')
    await setUp('/shipping-options', { name: 'Royal Mail', countries: ['GB'], currency: 'USD', price: 499 })
    await setUp('/shipping-options', { name: 'USPS', countries: ['US'], currency: 'USD', price: 799 })
    await setUp('/promotions', { name: 'Winter sale', percentOff: 10 })
    await setUp('/discount-codes', { code: 'EXTRA5', percentOff: 5 })
    const account = await registerUser(built)
    const product = (await built.app.inject({ method: 'GET', url: '/api/products?limit=5' })).json<{ items: { id: number; stock: number }[] }>().items.find((p) => p.stock > 1)!
    await built.app.inject({ method: 'POST', url: '/api/cart/items', headers: bearer(account.accessToken), payload: { productId: product.id, quantity: 2 } })
    const quote = async (q: string) => (await built.app.inject({ method: 'GET', url: `/api/orders/quote?${q}`, headers: bearer(account.accessToken) })).json<Quote>()
    const { get, post } = signedInBrowser(built, account.refreshToken)

    const first = await get('/checkout')
    const us = await quote('country=US')
    assert.ok(first.body.includes(`Pay ${escape(money(us.total))}<`), 'priced for the default country')
    assert.match(first.body, /Shipping \(USPS\)/)
    assert.match(first.body, /Winter sale/)

    const form = { _csrf: csrfOf(first.body), idempotencyKey: keyOf(first.body), name: 'Ada Lovelace', line1: '12 Analytical Row', city: 'London', postalCode: 'N1 9GU', country: 'GB', discountCode: 'extra5', cardExpiry: '12/34', cardCvc: '123', cardNumber: '4242 4242 4242 4242' }
    const reviewed = await post('/checkout/review', form)
    assert.equal(reviewed.statusCode, 200, reviewed.body)
    const gb = await quote('country=GB&discountCode=EXTRA5')
    assert.ok(gb.promotion && gb.discount && gb.shipping && gb.tax.amount > 0, 'every part is there')
    for (const part of [`Pay ${escape(money(gb.total))}<`, 'Code EXTRA5', 'Shipping (Royal Mail)', escape(money(gb.tax)), 'for delivery to United Kingdom']) assert.ok(reviewed.body.includes(part), part)
    assert.equal(keyOf(reviewed.body), form.idempotencyKey, 'reviewing is not an attempt: the key stays')
    assert.equal((await built.app.inject({ method: 'GET', url: '/api/orders', headers: bearer(account.accessToken) })).json<{ items: unknown[] }>().items.length, 0, 'nothing bought')

    const refusedCode = await post('/checkout/review', { ...form, _csrf: csrfOf(reviewed.body), discountCode: 'NOPE1' })
    assert.equal(refusedCode.statusCode, 400)
    assert.ok(refusedCode.body.includes(`Pay ${escape(money((await quote('country=GB')).total))}<`), 'priced without the refused code')
    assert.doesNotMatch(refusedCode.body, /Code NOPE1/)

    const paid = await post('/checkout', { ...form, _csrf: csrfOf(reviewed.body) })
    assert.equal(paid.statusCode, 303, paid.body)
    const order = await get(String(paid.headers.location))
    for (const part of ['Winter sale', 'Code EXTRA5', 'Shipping (Royal Mail)', money(gb.total)]) assert.ok(order.body.includes(escape(part)), part)
  })

  test('API refusals become readable messages with their status, never a stack', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false' } })
    const missing = await built.app.inject({ method: 'GET', url: '/products/no-such-thing' })
    assert.equal(missing.statusCode, 404)
    assert.match(missing.body, /We could not find that product\./)
    const upsideDown = await built.app.inject({ method: 'GET', url: '/search?minPrice=50&maxPrice=10' })
    assert.equal(upsideDown.statusCode, 200)
    assert.match(upsideDown.body, /The lowest price must not be above the highest price\./)
    const badLogin = await built.app.inject({ method: 'GET', url: '/account/sign-in' })
    const browser = jar()
    browser.take(badLogin)
    const refused = await built.app.inject({
      method: 'POST',
      url: '/account/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.header() },
      payload: `_csrf=${encodeURIComponent(csrfOf(badLogin.body))}&email=nobody%40example.com&password=wrong-password`,
    })
    assert.equal(refused.statusCode, 401)
    assert.match(refused.body, /The e-mail address or the password is not right\./)
    assert.doesNotMatch(refused.body, /at .*\.ts:\d+|Error:/)
  })

  test('the API rate limits count each shopper, not the storefront', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false', PRODUCT_RATE_LIMIT_MAX: '6' } })
    let status = 200
    for (let i = 0; i < 10 && status === 200; i++) status = (await built.app.inject({ method: 'GET', url: '/search', remoteAddress: '127.0.0.7' })).statusCode
    assert.equal(status, 429, 'one shopper hits the limit')
    const other = await built.app.inject({ method: 'GET', url: '/search', remoteAddress: '127.0.0.8' })
    assert.equal(other.statusCode, 200, 'another shopper is not limited by the first')
  })

  test('static files have fingerprinted names and are cached for a year', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false' } })
    const home = await built.app.inject({ method: 'GET', url: '/' })
    const css = /href="(\/assets\/app\.[0-9a-f]{10}\.css)"/.exec(home.body)![1]!
    const res = await built.app.inject({ method: 'GET', url: css })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['cache-control']), /max-age=31536000.*immutable/)
    assert.equal((await built.app.inject({ method: 'GET', url: '/assets/app.0000000000.css' })).statusCode, 404)
  })
})

describe('the storefront API client over HTTP', () => {
  test('answers as in process: the body of a 2xx, ApiError with the code of a refusal, API_UNAVAILABLE when unreachable', async (t) => {
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false', SEED_DEMO_PRODUCTS: '3' } })
    await built.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = built.app.server.address() as { port: number }
    const api = createHttpApiClient(() => `http://127.0.0.1:${port}`, 2000)
    const page = await api.call<{ items: unknown[] }>({ method: 'GET', path: '/api/products', query: { limit: 2 } })
    assert.equal(page.body.items.length, 2)
    await assert.rejects(api.call({ method: 'GET', path: '/api/products/no-such-thing' }), (e: ApiError) => e.code === 'PRODUCT_NOT_FOUND' && e.status === 404)
    await built.app.close()
    await assert.rejects(api.call({ method: 'GET', path: '/api/products' }), (e: ApiError) => e.code === 'API_UNAVAILABLE' && e.status === 503)
  })
})

describe('storefront assets for nginx', () => {
  test('npm run storefront:assets writes the files under the names the pages link to', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'emporium-assets-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const written = writeAssets(dir)
    assert.deepEqual((await readdir(dir)).sort(), [...written].sort())
    const built = await buildTestApp(t, { env: { BACKGROUND_WORKERS: 'false' } })
    const home = (await built.app.inject({ method: 'GET', url: '/' })).body
    for (const linked of home.match(/\/assets\/[a-z0-9.-]+/g) ?? []) assert.ok(written.includes(linked.slice('/assets/'.length)), linked)
  })
})

/** A browser signed in with a refresh token (the storefront renews the access token from it), posting forms. */
function signedInBrowser(built: BuiltApp, refreshToken: string) {
  const browser = jar()
  browser.set('emp_rt', refreshToken)
  return {
    get: async (url: string) => browser.take(await built.app.inject({ method: 'GET', url, headers: { cookie: browser.header() } })),
    post: async (url: string, fields: Record<string, string>) =>
      browser.take(await built.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.header() }, payload: new URLSearchParams(fields).toString() })),
  }
}

const keyOf = (html: string) => /name="idempotencyKey" value="([0-9a-f-]{36})"/.exec(html)![1]!

/** Text as the pages write it (html-escaped, as src/storefront/html.ts does). */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}
