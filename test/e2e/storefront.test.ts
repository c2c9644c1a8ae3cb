import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { assertAccessible, DESKTOP, launchBrowser, openPage, PHONE, screenshot, startShop, waitForMail } from './browser.js'

interface ApiProduct {
  id: number
  slug: string
  name: string
  stock: number
}

test('a guest browses, searches, fills a cart, signs up at checkout (the cart comes along), pays with the test card, gets the e-mail; a declined card shows why and another card pays', async (t) => {
  const { base } = await startShop(t)
  const browser = await launchBrowser(t)
  const products = ((await (await fetch(`${base}/api/products?limit=50`)).json()) as { items: ApiProduct[] }).items.filter((p) => p.stock >= 5)
  const [first, second] = products
  assert.ok(first && second, 'the demo catalog has products in stock')

  // The home page on a phone.
  const phone = await openPage(browser, PHONE)
  await phone.page.goto(base)
  await assertAccessible(phone.page, 'home (phone)')
  await screenshot(phone.page, 'home-phone')
  phone.assertClean()
  await phone.context.close()

  const { page, assertClean, dialogs } = await openPage(browser, DESKTOP)
  const visit = async (path: string, what: string) => {
    const res = await page.goto(base + path)
    assert.equal(res?.status(), 200, `${what}: ${path}`)
    await assertAccessible(page, what)
  }

  await visit('/', 'home')
  assert.equal(await page.locator('h1').textContent(), 'Welcome to Emporium')
  assert.ok((await page.locator('#deals-title + .grid .card').count()) > 0, 'deals on the home page')
  await screenshot(page, 'home-desktop')

  // A category from the navigation.
  await page.locator('nav[aria-label="Categories"] a').first().click()
  await page.waitForURL(/\/category\//)
  await assertAccessible(page, 'category')
  assert.ok((await page.locator('.results .card').count()) > 0, 'the category lists products')

  // Suggestions while typing, then a search with a sort.
  const search = page.locator('#search-q')
  await search.fill('')
  await search.pressSequentially(first.name.split(' ')[0]!, { delay: 40 })
  await page.locator('#search-suggestions [role="option"]').first().waitFor()
  assert.equal(await search.getAttribute('aria-expanded'), 'true')
  await search.fill(first.name)
  await search.press('Enter')
  await page.waitForURL(/\/search\?q=/)
  await assertAccessible(page, 'search results')
  await page.locator('#filter-sort').selectOption('price_asc')
  await page.getByRole('button', { name: 'Apply' }).click()
  await page.waitForURL(/sort=price_asc/)
  await page.locator('.results .card-link', { hasText: first.name }).first().click()

  // Two products into the cart, without a reload (the script posts the form).
  await page.waitForURL(`${base}/products/${first.slug}`)
  await assertAccessible(page, 'product')
  await screenshot(page, 'product')
  await page.locator('.product form.add-to-cart button').click()
  await page.locator('[data-cart-count]', { hasText: '1' }).waitFor()
  assert.equal(page.url(), `${base}/products/${first.slug}`, 'no page load for add-to-cart')
  await visit(`/products/${second.slug}`, 'second product')
  await page.locator('#qty-' + second.id).selectOption('2')
  await page.locator('.product form.add-to-cart button').click()
  await page.locator('[data-cart-count]', { hasText: '3' }).waitFor()

  await page.getByRole('link', { name: /^Cart/ }).click()
  await page.waitForURL(`${base}/cart`)
  await assertAccessible(page, 'cart')
  assert.equal(await page.locator('.cart-table tbody tr').count(), 2)
  await screenshot(page, 'cart')

  // Checkout needs an account: sign up on the way, the guest cart merges into the new account's.
  await page.getByRole('link', { name: 'Check out' }).click()
  await page.waitForURL(/\/account\/sign-in\?next=%2Fcheckout/)
  await assertAccessible(page, 'sign in')
  await page.getByRole('link', { name: 'Create an account' }).click()
  await page.waitForURL(/\/account\/sign-up\?next=%2Fcheckout/)
  await assertAccessible(page, 'sign up')
  const email = `shopper-${randomBytes(4).toString('hex')}@example.com`
  await page.locator('#f-email').fill(email)
  await page.locator('#f-password').fill('a long test password 1')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.waitForURL(`${base}/checkout`)
  await assertAccessible(page, 'checkout')
  assert.equal(await page.locator('.summary li').count(), 2, 'both products came along')
  assert.equal(await page.locator('[data-cart-count]').textContent(), '3')

  const fillAddress = async () => {
    await page.locator('#f-name').fill('Ada Lovelace')
    await page.locator('#f-line1').fill('12 Analytical Row')
    await page.locator('#f-city').fill('London')
    await page.locator('#f-postalCode').fill('N1 9GU')
    await page.locator('#f-country').selectOption('GB')
  }
  const fillCard = async (number: string) => {
    await page.locator('#f-cardNumber').fill(number)
    await page.locator('#f-cardExpiry').fill('12/34')
    await page.locator('#f-cardCvc').fill('123')
  }
  await fillAddress()
  await fillCard('4242 4242 4242 4242')
  await page.getByRole('button', { name: /^Pay / }).click()
  await page.waitForURL(/\/account\/orders\/[0-9a-f-]{36}\?placed=1$/)
  const orderId = /orders\/([0-9a-f-]{36})/.exec(page.url())![1]!
  await assertAccessible(page, 'order placed')
  assert.equal(await page.locator('.status').first().textContent(), 'Paid')
  assert.match((await page.locator('.alert.info').textContent()) ?? '', /Thank you/)
  assert.equal(await page.locator('[data-cart-count]').textContent(), '0', 'the ordered units left the cart')

  // The confirmation e-mail links to the order page, which works.
  const mail = await waitForMail(base, (m) => m.to === email && m.template === 'order-confirmation')
  assert.match(mail.text, new RegExp(`/account/orders/${orderId}`))
  await visit(`/account/orders/${orderId}`, 'order from the e-mail link')
  await visit('/account/orders', 'order history')
  assert.equal(await page.locator('table.orders tbody tr').count(), 1)

  // A declined card: the checkout page says why and keeps the cart; another card pays; a paid order can be cancelled.
  await visit(`/products/${second.slug}`, 'product again')
  await page.locator('.product form.add-to-cart button').click()
  await page.locator('[data-cart-count]', { hasText: '1' }).waitFor()
  await visit('/checkout', 'second checkout')
  await fillAddress()
  await fillCard('4000 0000 0000 0002')
  const [declined] = await Promise.all([page.waitForResponse((r) => r.url() === `${base}/checkout` && r.request().method() === 'POST'), page.getByRole('button', { name: /^Pay / }).click()])
  assert.equal(declined.status(), 402)
  await page.locator('.alert.error').waitFor()
  assert.equal(page.url(), `${base}/checkout`)
  assert.match((await page.locator('.alert.error').textContent()) ?? '', /declined \(card_declined\)\. Nothing was charged and your cart is unchanged/)
  assert.equal(await page.locator('.summary li').count(), 1, 'the cart is kept')
  assert.equal(await page.locator('#f-line1').inputValue(), '12 Analytical Row', 'the address is kept')
  await assertAccessible(page, 'declined checkout')
  await fillCard('4242 4242 4242 4242')
  await page.getByRole('button', { name: /^Pay / }).click()
  await page.waitForURL(/\/account\/orders\/[0-9a-f-]{36}\?placed=1$/)
  assert.equal(await page.locator('.status').first().textContent(), 'Paid')
  await page.getByRole('button', { name: 'Cancel order' }).click()
  await page.waitForURL(/\?updated=1$/)
  assert.equal(await page.locator('.status').first().textContent(), 'Cancelled')
  assert.deepEqual(dialogs, ['confirm: Cancel this order?'])
  await visit('/account/orders', 'order history after the second order')
  assert.equal(await page.locator('table.orders tbody tr').count(), 2, 'the declined attempt is not an order')

  assertClean()
})
