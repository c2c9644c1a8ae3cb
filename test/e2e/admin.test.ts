import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { bearer, PASSWORD, registerUser, uniqueEmail } from '../helpers/auth-fixture.js'
import { photoJpeg, svgWithScript } from '../helpers/image-fixtures.js'
import { IMAGE_TEST_ENV, productShowing, settled } from '../helpers/product-images-fixture.js'
import { assertAccessible, launchBrowser, openPage, screenshot, startShop, type WatchedPage } from './browser.js'

const XSS = '<img src=x onerror=alert(1)>'

async function signIn(w: WatchedPage, base: string, email: string, next = '/admin') {
  await w.page.goto(`${base}/account/sign-in?next=${encodeURIComponent(next)}`)
  await w.page.locator('#f-email').fill(email)
  await w.page.locator('#f-password').fill(PASSWORD)
  await w.page.getByRole('button', { name: 'Sign in' }).click()
}

test('the admin area: only admins get in; an admin creates a product (a hostile name shows as text), sets stock, adds a category and a deal, ships and delivers an order', async (t) => {
  const { built, base } = await startShop(t)
  const browser = await launchBrowser(t)
  const admin = await registerUser(built, uniqueEmail('admin'))
  // The operator's step (npm run admin:create does the same): give the account the admin role.
  await built.deps.db.query(`update auth.users set roles = array['customer', 'admin'] where id = $1`, [admin.user.id])
  const customer = await registerUser(built, uniqueEmail('customer'))

  // A guest is sent to sign in; a customer is refused.
  const guest = await openPage(browser)
  await guest.page.goto(`${base}/admin`)
  assert.match(guest.page.url(), /\/account\/sign-in\?next=%2Fadmin$/)
  await signIn(guest, base, customer.user.email)
  await guest.page.waitForURL(`${base}/admin`)
  assert.equal(await guest.page.locator('h1').textContent(), 'Not allowed')
  const refused = await guest.page.goto(`${base}/admin/products`)
  assert.equal(refused?.status(), 403)
  // The two 403 pages are the refusals asked for (checked above; openPage does not count a page's own status).
  guest.assertClean()
  await guest.context.close()

  const w = await openPage(browser)
  const { page } = w
  await signIn(w, base, admin.user.email)
  await page.waitForURL(`${base}/admin`)
  assert.equal(await page.locator('h1').textContent(), 'Dashboard')
  assert.equal(await page.getByRole('link', { name: 'the development mailbox' }).getAttribute('href'), '/dev/mail')
  await assertAccessible(page, 'admin dashboard')

  // A product whose name is markup: created through the admin pages (the admin API), shown as text everywhere.
  await page.getByRole('link', { name: 'Products', exact: true }).click()
  await assertAccessible(page, 'admin products')
  await page.getByRole('link', { name: 'New product' }).click()
  await assertAccessible(page, 'new product form')
  await page.locator('#f-name').fill(XSS)
  await page.locator('#f-slug').fill('hostile-name')
  await page.locator('#f-description').fill('<script>alert(2)</script> A description.')
  await page.locator('#f-price').fill('12.34')
  await page.locator('#f-categoryId').selectOption({ index: 1 })
  await page.locator('#f-stock').fill('7')
  await page.getByRole('button', { name: 'Create product' }).click()
  await page.waitForURL(/\/admin\/products\/\d+\?saved=1$/)
  const productId = Number(/products\/(\d+)/.exec(page.url())![1])
  assert.equal(await page.locator('h1').textContent(), `Edit ${XSS}`)
  await assertAccessible(page, 'edit product')
  await screenshot(page, 'admin-product')

  await page.locator('#stock').fill('9')
  await page.getByRole('button', { name: 'Set stock' }).click()
  await page.waitForURL(/\?saved=1$/)
  assert.equal(await page.locator('#stock').inputValue(), '9')

  await page.getByRole('link', { name: 'View in the shop' }).click()
  await page.waitForURL(`${base}/products/hostile-name`)
  assert.equal(await page.locator('h1').textContent(), XSS)
  assert.match((await page.locator('.description').textContent()) ?? '', /<script>alert\(2\)<\/script>/)
  // Other products' pictures may show below (recommendations): none is the name's.
  assert.equal(await page.locator('main img[src="x"], main script, .product-info img').count(), 0, 'no element was made from the name')
  assert.match((await page.locator('.stock').textContent()) ?? '', /In stock/)
  await assertAccessible(page, 'hostile product page')
  await page.goto(`${base}/search?sort=newest`)
  assert.equal(await page.locator('.results .card-name').first().textContent(), XSS)

  // A category and a deal.
  await page.goto(`${base}/admin/categories`)
  await assertAccessible(page, 'admin categories')
  await page.locator('#f-name').fill('Gift Ideas')
  await page.getByRole('button', { name: 'Create category' }).click()
  await page.waitForURL(/\/admin\/categories\?saved=1$/)
  assert.equal(await page.locator('input[value="Gift Ideas"]').count(), 1)
  await page.goto(`${base}/admin/deals`)
  await assertAccessible(page, 'admin deals')
  await page.locator('#f-productId').fill(String(productId))
  await page.locator('#f-title').fill('Launch week')
  await page.locator('#f-discountPercent').fill('50')
  await page.getByRole('button', { name: 'Start deal' }).click()
  await page.waitForURL(/\/admin\/deals\?saved=1$/)
  await page.goto(base)
  const dealCard = page.locator('#deals-title + .grid .card', { hasText: XSS })
  assert.match((await dealCard.locator('.price').textContent()) ?? '', /\$6\.17/)

  // A customer's paid order, moved along by the admin.
  const app = built.app
  const auth = bearer(customer.accessToken)
  assert.equal((await app.inject({ method: 'POST', url: '/api/cart/items', headers: auth, payload: { productId, quantity: 1 } })).statusCode, 200)
  const placed = await app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: { ...auth, 'idempotency-key': randomUUID() },
    payload: {
      shippingAddress: { name: 'Grace Hopper', line1: '1 Harbor Way', city: 'Arlington', postalCode: '22201', country: 'US' },
      payment: { card: { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' } },
    },
  })
  assert.equal(placed.statusCode, 201, placed.body)
  const orderId = placed.json<{ id: string }>().id
  await page.goto(`${base}/admin/orders`)
  await page.locator('#status').selectOption('paid')
  await page.getByRole('button', { name: 'Show' }).click()
  await page.waitForURL(/status=paid/)
  await assertAccessible(page, 'admin orders')
  await page.locator(`a[href="/admin/orders/${orderId}"]`).click()
  await assertAccessible(page, 'admin order')
  await page.locator('#tracking').fill('1Z999')
  await page.getByRole('button', { name: 'Mark shipped' }).click()
  await page.waitForURL(/\?updated=1$/)
  assert.equal(await page.locator('.status').first().textContent(), 'Shipped')
  await page.getByRole('button', { name: 'Mark delivered' }).click()
  await page.waitForURL(/\?updated=1$/)
  assert.equal(await page.locator('.status').first().textContent(), 'Delivered')

  // The orders search: a customer's e-mail (in any case) lists their orders, an order's number or id opens it, anything else is said.
  const searchOrders = async (q: string) => {
    await page.goto(`${base}/admin/orders`)
    await page.locator('#order-search').fill(q)
    await page.getByRole('button', { name: 'Show' }).click()
    await page.waitForLoadState()
  }
  await searchOrders(customer.user.email.toUpperCase())
  await assertAccessible(page, 'admin orders of one customer')
  assert.equal(await page.locator('table.orders tbody tr').count(), 1)
  assert.equal(await page.locator(`table.orders a[href="/admin/orders/${orderId}"]`).count(), 1)
  await searchOrders(admin.user.email)
  assert.equal(await page.locator('.empty').textContent(), 'No orders.')
  await searchOrders(orderId.toUpperCase())
  await page.waitForURL(`${base}/admin/orders/${orderId}`)
  await searchOrders(orderId.slice(0, 8).toUpperCase())
  await page.waitForURL(`${base}/admin/orders/${orderId}`)
  await searchOrders('last tuesday')
  assert.match((await page.locator('.alert.error').textContent()) ?? '', /order number .* or a customer’s e-mail address/)
  await assertAccessible(page, 'admin orders search refused')

  await page.goto(`${base}/admin`)
  assert.equal(await page.locator('table.orders tbody tr').count(), 1)
  assert.equal(await page.locator('.stats li', { hasText: 'orders today' }).locator('strong').textContent(), '1')
  assert.equal(await page.locator('#chart-title ~ svg rect.bar').count(), 14, 'a bar per day')
  // Low stock, the cache hit rate and the event backlog, as the admin API gives them.
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: admin.user.email, password: PASSWORD } })
  const adminApi = bearer(login.json<{ accessToken: string }>().accessToken)
  const low = (await app.inject({ method: 'GET', url: '/api/products/stats/low-stock', headers: adminApi })).json<{ items: { id: number }[] }>()
  assert.ok(low.items.length > 0, 'the demo catalog has products running low')
  assert.deepEqual(await page.locator('table.low-stock tbody a').evaluateAll((links) => links.map((a) => a.getAttribute('href'))), low.items.map((p) => `/admin/products/${p.id}`))
  assert.match((await page.locator('.big-figure').textContent()) ?? '', /^\d{1,3}\.\d % hit rate$/)
  assert.match((await page.locator('#cache-title ~ .hint').textContent()) ?? '', /^\d+ lookups \(\d+ answered from the cache\) in all product service instances since /)
  assert.equal(await page.locator('#backlog-title ~ svg rect.bar').count(), 5, 'outbox, then each consuming queue and its dead letters')
  assert.deepEqual(await page.locator('table.backlog tbody td:first-child').allTextContents(), [
    'outbox, not published', 'notification queue', 'notification dead letters', 'product queue', 'product dead letters',
  ])
  await assertAccessible(page, 'dashboard with figures')
  await screenshot(page, 'admin-dashboard')

  assert.deepEqual(w.dialogs, [], 'no script from a product name ever ran')
  w.assertClean()
})

test('an admin creates a product with an image and it appears in the storefront', async (t) => {
  const { built, base } = await startShop(t, IMAGE_TEST_ENV)
  const browser = await launchBrowser(t)
  const admin = await registerUser(built, uniqueEmail('admin'))
  await built.deps.db.query(`update auth.users set roles = array['customer', 'admin'] where id = $1`, [admin.user.id])
  const w = await openPage(browser)
  const { page } = w
  await signIn(w, base, admin.user.email, '/admin/products/new')
  await page.waitForURL(`${base}/admin/products/new`)
  await page.locator('#f-name').fill('Walnut Desk Lamp')
  await page.locator('#f-price').fill('49.00')
  await page.locator('#f-stock').fill('5')
  await page.getByRole('button', { name: 'Create product' }).click()
  await page.waitForURL(/\/admin\/products\/\d+\?saved=1$/)
  const productId = Number(/products\/(\d+)/.exec(page.url())![1])

  // A file that is not an image the shop takes (an SVG named .jpg) brings the page back with the reason.
  await page.getByLabel('Image file').setInputFiles({ name: 'drawing.jpg', mimeType: 'image/jpeg', buffer: svgWithScript })
  const [refusal] = await Promise.all([page.waitForResponse((r) => r.url() === `${base}/admin/products/${productId}/images`), page.getByRole('button', { name: 'Upload image' }).click()])
  assert.equal(refusal.status(), 415)
  await page.waitForLoadState()
  assert.match((await page.getByRole('alert').textContent()) ?? '', /not an image the shop can use/)
  assert.equal(await page.locator('.admin-images').count(), 0, 'nothing was kept')
  await assertAccessible(page, 'refused upload')

  // A real photo, chosen in the file input as a person would, with its alt text.
  await page.getByLabel('Alt text').fill('A walnut desk lamp, lit')
  await page.getByLabel('Image file').setInputFiles({ name: 'lamp.jpg', mimeType: 'image/jpeg', buffer: await photoJpeg(1000, 750) })
  await page.getByRole('button', { name: 'Upload image' }).click()
  await page.waitForURL(`${base}/admin/products/${productId}?uploaded=1`)

  // The variants are made off the request: wait (bounded) until the API says the image is ready and the product shows it.
  const login = await built.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: admin.user.email, password: PASSWORD } })
  const api = bearer(login.json<{ accessToken: string }>().accessToken)
  const listed = await built.app.inject({ method: 'GET', url: `/api/products/${productId}/images`, headers: api })
  const [uploaded] = listed.json<{ items: { id: string }[] }>().items
  assert.ok(uploaded, 'the upload reached the API')
  assert.equal((await settled(built, productId, uploaded.id, api)).status, 'ready')
  await productShowing(built, productId, [uploaded.id])

  await page.reload()
  assert.match((await page.locator('.admin-images li').first().textContent()) ?? '', /Main picture · Ready · 1000 × 750/)
  await assertAccessible(page, 'product with an image (admin)')

  await page.getByRole('link', { name: 'View in the shop' }).click()
  await page.waitForURL(/\/products\/walnut-desk-lamp$/)
  const img = page.locator('.product-media picture img')
  assert.equal(await img.getAttribute('alt'), 'A walnut desk lamp, lit')
  // The element as the page has it (no DOM types in this project): what the browser chose from the srcsets, and whether it decoded.
  type Img = { complete: boolean; currentSrc: string; naturalWidth: number; decode(): Promise<void> }
  const shown = await img.evaluate(async (el) => {
    const i = el as unknown as Img
    await i.decode()
    return { src: i.currentSrc, width: i.naturalWidth }
  })
  assert.ok(shown.width > 0, 'the picture decoded')
  const file = await page.request.get(shown.src)
  assert.equal(file.status(), 200)
  assert.match(file.headers()['content-type'] ?? '', /^image\/(avif|webp|jpeg)$/)
  await assertAccessible(page, 'product page with the uploaded picture')
  w.assertClean()
})
