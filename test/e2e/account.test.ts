import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { assertAccessible, launchBrowser, openPage, startShop, waitForMail } from './browser.js'

interface ApiProduct {
  id: number
  slug: string
  name: string
  stock: number
}

/** The page an e-mail's link opens, on this shop (the link starts with PUBLIC_URL, which names another port here). */
function linkIn(text: string, path: string): string {
  const link = new RegExp(`https?://\\S+(${path}\\?token=[A-Za-z0-9_-]+)`).exec(text)
  assert.ok(link, `the e-mail links to ${path}: ${text}`)
  return link[1]!
}

/** Submits the page's form with `button` and returns the status of the page that answered it. */
async function submit(page: Page, button: string): Promise<number> {
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
    page.getByRole('button', { name: button }).click(),
  ])
  await page.waitForLoadState()
  return answer.status()
}

test('the pages the e-mails link to: the confirmation e-mail (sent again from the account page) confirms the address, a reset e-mail changes the password (the old one stops working), each link works once', async (t) => {
  const { base } = await startShop(t)
  const browser = await launchBrowser(t)
  const { page, assertClean } = await openPage(browser)
  const email = `account-${randomBytes(4).toString('hex')}@example.com`
  const oldPassword = 'a long test password 1'
  const newPassword = 'another long password 2'
  const alertText = async () => (await page.locator('.alert').first().textContent())?.trim()

  await page.goto(`${base}/account/sign-up`)
  await page.locator('#f-email').fill(email)
  await page.locator('#f-password').fill(oldPassword)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.waitForURL(`${base}/`)
  await page.goto(`${base}/account`)
  assert.match((await page.locator('.facts dd').textContent()) ?? '', /not confirmed yet/)

  const welcome = await waitForMail(base, (m) => m.to === email && m.template === 'welcome-verify')
  linkIn(welcome.text, '/account/verify-email')
  // The welcome e-mail lost: the account page sends another, with a new link.
  await assertAccessible(page, 'account, address not confirmed')
  assert.equal(await submit(page, 'Send the confirmation e-mail again'), 303)
  await page.waitForURL(`${base}/account?sent=1`)
  assert.equal(await page.locator('[role="status"]').textContent(), `We have sent a new confirmation link to ${email}.`)
  const again = await waitForMail(base, (m) => m.to === email && m.template === 'verify-email')
  const verify = linkIn(again.text, '/account/verify-email')
  assert.notEqual(verify, linkIn(welcome.text, '/account/verify-email'))

  // The link opens a page with one button (a mail scanner opening the link confirms nothing).
  await page.goto(base + verify)
  await assertAccessible(page, 'verify e-mail')
  assert.equal(await submit(page, 'Confirm my e-mail address'), 200)
  assert.match((await page.locator('[role="status"]').textContent()) ?? '', /your e-mail address is confirmed/)
  await page.goto(`${base}/account`)
  assert.match((await page.locator('.facts dd').textContent()) ?? '', /confirmed/)
  assert.doesNotMatch((await page.locator('.facts dd').textContent()) ?? '', /not confirmed/)
  assert.equal(await page.getByRole('button', { name: 'Send the confirmation e-mail again' }).count(), 0)
  // The same link again: refused with the reason.
  await page.goto(base + verify)
  assert.equal(await submit(page, 'Confirm my e-mail address'), 400)
  assert.match((await alertText()) ?? '', /confirmation link is not valid any more/)
  await assertAccessible(page, 'verify e-mail, used link')

  // Signed out, the password forgotten: the sign-in page links to the form that sends the e-mail.
  await page.goto(`${base}/account`)
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForURL(`${base}/`)
  await page.goto(`${base}/account/sign-in`)
  await page.getByRole('link', { name: 'Forgot your password?' }).click()
  await page.waitForURL(`${base}/account/forgot-password`)
  await assertAccessible(page, 'forgot password')
  await page.locator('#f-email').fill(email)
  assert.equal(await submit(page, 'Send me a link'), 200)
  assert.match((await page.locator('[role="status"]').textContent()) ?? '', new RegExp(`If there is an account for ${email}`))

  const reset = linkIn((await waitForMail(base, (m) => m.to === email && m.template === 'password-reset')).text, '/account/reset-password')
  await page.goto(base + reset)
  await assertAccessible(page, 'reset password')
  // Two different passwords: said, nothing changed, the form still there.
  await page.locator('#f-password').fill(newPassword)
  await page.locator('#f-confirm').fill(`${newPassword}x`)
  assert.equal(await submit(page, 'Set the new password'), 400)
  assert.equal(await alertText(), 'The two passwords are not the same.')
  await assertAccessible(page, 'reset password, passwords differ')
  await page.locator('#f-password').fill(newPassword)
  await page.locator('#f-confirm').fill(newPassword)
  assert.equal(await submit(page, 'Set the new password'), 200)
  assert.match((await page.locator('[role="status"]').textContent()) ?? '', /Your password is changed/)

  // The old password no longer signs in; the new one does.
  const signIn = async (password: string) => {
    await page.goto(`${base}/account/sign-in?next=%2Faccount`)
    await page.locator('#f-email').fill(email)
    await page.locator('#f-password').fill(password)
    return submit(page, 'Sign in')
  }
  assert.equal(await signIn(oldPassword), 401)
  assert.equal(await alertText(), 'The e-mail address or the password is not right.')
  await signIn(newPassword)
  await page.waitForURL(`${base}/account`)
  assert.equal(await page.locator('h1').textContent(), 'Your account')

  // The reset link works once.
  await page.goto(base + reset)
  await page.locator('#f-password').fill('a third long password 3')
  await page.locator('#f-confirm').fill('a third long password 3')
  assert.equal(await submit(page, 'Set the new password'), 400)
  assert.match((await alertText()) ?? '', /password-reset link is not valid any more/)

  assertClean()
})

test('browsing, search filters and the cart work with JavaScript switched off', async (t) => {
  const { base } = await startShop(t)
  const browser = await launchBrowser(t)
  // No axe-core here: it runs as a script in the page, and this page runs none (the cart is checked with it in storefront.test.ts).
  const { page, assertClean } = await openPage(browser, undefined, { javaScriptEnabled: false })
  const products = ((await (await fetch(`${base}/api/products?limit=50`)).json()) as { items: ApiProduct[] }).items.filter((p) => p.stock >= 5)
  const product = products[0]!

  await page.goto(base)
  await page.locator('nav[aria-label="Categories"] a').first().click()
  await page.waitForURL(/\/category\//)
  assert.ok((await page.locator('.results .card').count()) > 0, 'the category lists products')

  // A search with a price filter and a sort: the form's GET, nothing from the script.
  await page.goto(`${base}/search?q=${encodeURIComponent(product.name.split(' ')[0]!)}`)
  await page.locator('#filter-min').fill('1')
  await page.locator('#filter-sort').selectOption('price_desc')
  await page.getByRole('button', { name: 'Apply' }).click()
  await page.waitForURL(/minPrice=1.*sort=price_desc|sort=price_desc.*minPrice=1/)
  assert.ok((await page.locator('.results .card').count()) > 0, 'the search finds products')
  assert.equal(await page.locator('#filter-sort').inputValue(), 'price_desc', 'the page shows the sort it applied')
  assert.match(await page.locator('#filter-min').inputValue(), /^1(\.00?)?$/, 'the page shows the filter it applied')

  // Add to cart posts the form and comes back to the product with a notice.
  await page.goto(`${base}/products/${product.slug}`)
  await page.locator('#qty-' + product.id).selectOption('2')
  await page.locator('.product form.add-to-cart button').click()
  await page.waitForURL(`${base}/products/${product.slug}?added=1`)
  assert.match((await page.locator('.alert.info').textContent()) ?? '', /Added to your cart/)
  assert.equal(await page.locator('[data-cart-count]').textContent(), '2')

  // The cart: change the quantity, then remove the line.
  await page.goto(`${base}/cart`)
  await page.locator('.cart-table tbody tr input[name="quantity"]').fill('3')
  await page.getByRole('button', { name: 'Update' }).click()
  await page.waitForURL(`${base}/cart?updated=1`)
  assert.equal(await page.locator('[data-cart-count]').textContent(), '3')
  await page.getByRole('button', { name: /^Remove/ }).click()
  await page.waitForURL(`${base}/cart?updated=1`)
  assert.equal(await page.locator('[data-cart-count]').textContent(), '0')
  assert.equal(await page.locator('.cart-table tbody tr').count(), 0)

  assertClean()
})
