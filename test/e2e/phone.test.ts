import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bearer, PASSWORD, registerUser, uniqueEmail } from '../helpers/auth-fixture.js'
import { addToCart, checkout } from '../helpers/order-fixture.js'
import { assertAccessible, launchBrowser, openPage, PHONE, startShop } from './browser.js'

/** Every page at a phone's width (390 px): nothing wider than the screen, so no page scrolls sideways. */
test('every storefront and admin page fits a phone’s width and stays accessible there', async (t) => {
  const { built, base } = await startShop(t)
  const browser = await launchBrowser(t)
  // An address longer than the screen is wide (e-mails have no spaces to wrap at): the account and admin pages show it.
  const admin = await registerUser(built, uniqueEmail('phoneadministratorwithalongmailboxnamenohyphens'))
  await built.deps.db.query(`update auth.users set roles = array['customer', 'admin'] where id = $1`, [admin.user.id])
  const { items } = (await (await fetch(`${base}/api/products?limit=20`)).json()) as { items: { id: number; slug: string; stock: number }[] }
  const product = items.find((p) => p.stock > 1)!
  // One order, so the order pages (which show the address) are visited too.
  const who = { userId: admin.user.id, email: admin.user.email, headers: bearer(admin.accessToken) }
  await addToCart(built, who, product.id, 1)
  const placed = await checkout(built, who)
  assert.equal(placed.statusCode, 201, placed.body)
  const orderId = placed.json<{ id: string }>().id

  const w = await openPage(browser, PHONE)
  const { page } = w
  await page.goto(`${base}/account/sign-in?next=%2Fadmin`)
  await page.locator('#f-email').fill(admin.user.email)
  await page.locator('#f-password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(`${base}/admin`)
  await page.goto(`${base}/products/${product.slug}`)
  await page.locator('.product form.add-to-cart button').click()
  await page.locator('[data-cart-count]', { hasText: '1' }).waitFor()

  const pages = [
    '/', '/category/electronics', `/search?q=${encodeURIComponent(product.slug.split('-')[0]!)}`, `/products/${product.slug}`, '/cart', '/checkout',
    '/account', '/account/orders', `/account/orders/${orderId}`, '/admin', '/admin/orders', `/admin/orders/${orderId}`, '/admin/products', `/admin/products/${product.id}`, '/admin/products/new',
    '/admin/categories', '/admin/deals',
  ]
  const wide: string[] = []
  for (const path of pages) {
    const res = await page.goto(base + path)
    assert.equal(res?.status(), 200, path)
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'))
    if (overflow > 0) wide.push(`${path}: ${overflow} px wider than the screen`)
    await assertAccessible(page, `${path} on a phone`)
  }
  assert.deepEqual(wide, [])
  w.assertClean()
})
