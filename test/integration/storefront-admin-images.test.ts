import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import { createHttpApiClient } from '../../src/storefront/api-client.js'
import { bearer, registerUser, uniqueEmail } from '../helpers/auth-fixture.js'
import { buildTestApp } from '../helpers/build-app.js'
import { freePort } from '../helpers/ports.js'
import { photoJpeg, svgWithScript } from '../helpers/image-fixtures.js'
import { IMAGE_TEST_ENV, imageRows, multipart, productShowing, settled, type AdminImageBody, type FormPart } from '../helpers/product-images-fixture.js'

/** The admin's image pages: the upload form passed on to the image API as a stream, its refusals, delete and order. */

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!

/** The shop, a product, and a signed-in admin's browser (session cookie; the API token for checks). */
async function adminShop(t: Parameters<typeof buildTestApp>[0], env: Record<string, string> = {}, listenOn?: number) {
  const built = await buildTestApp(t, { env: { SEED_DEMO_PRODUCTS: '0', PRODUCT_RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '1000', ...IMAGE_TEST_ENV, ...env } })
  // With the storefront apart, its API calls need the server listening before the first page.
  if (listenOn !== undefined) await built.app.listen({ port: listenOn, host: '127.0.0.1' })
  const account = await registerUser(built, uniqueEmail('admin'))
  await built.deps.db.query(`update auth.users set roles = array['customer', 'admin'] where id = $1`, [account.user.id])
  const login = await built.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: account.user.email, password: 'correct horse battery staple' } })
  const { accessToken, refreshToken } = login.json<{ accessToken: string; refreshToken: string }>()
  const api = bearer(accessToken)
  const created = await built.app.inject({ method: 'POST', url: '/api/products', headers: api, payload: { slug: 'desk-lamp', name: 'Desk lamp', price: { amount: 2500, currency: 'USD' }, stock: 4 } })
  assert.equal(created.statusCode, 201, created.body)
  const product = created.json<{ id: number; slug: string }>()
  // The product's admin page sets the CSRF cookie (and renews the session cookies) like a browser's first visit.
  const page = await built.app.inject({ method: 'GET', url: `/admin/products/${product.id}`, headers: { cookie: `emp_rt=${refreshToken}` } })
  assert.equal(page.statusCode, 200, page.body)
  const cookies = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!)
  const cookie = [`emp_rt=${refreshToken}`, ...cookies.filter((c) => !c.startsWith('emp_rt='))].join('; ')
  return { built, api, product, cookie, csrf: csrfOf(page.body), page: page.body }
}

function sendForm(built: BuiltApp, productId: number, cookie: string, parts: readonly FormPart[]) {
  const form = multipart(parts)
  return built.app.inject({ method: 'POST', url: `/admin/products/${productId}/images`, headers: { ...form.headers, cookie }, payload: form.payload })
}

async function images(built: BuiltApp, productId: number, api: Record<string, string>) {
  return (await built.app.inject({ method: 'GET', url: `/api/products/${productId}/images`, headers: api })).json<{ items: AdminImageBody[] }>().items
}

describe('admin image pages', () => {
  test('the product page has an upload form (multipart, token first, labelled file input with an accept list, alt text); an upload shows in the shop once made', async (t) => {
    const { built, api, product, cookie, csrf, page } = await adminShop(t)
    const form = /<form class="stack" action="\/admin\/products\/\d+\/images" method="post" enctype="multipart\/form-data">([\s\S]*?)<\/form>/.exec(page)?.[1]
    assert.ok(form, 'the upload form')
    assert.match(form, /^\s*<input type="hidden" name="_csrf"/, 'the token is the first field')
    assert.match(form, /<label for="image-file">Image file<\/label>/)
    assert.match(form, /<input id="image-file" name="file" type="file" accept="image\/jpeg,image\/png,image\/webp,image\/avif,image\/gif" required/)
    assert.match(form, /<label for="image-alt">Alt text/)
    assert.match(form, /at most 10 MB/)

    const sent = await sendForm(built, product.id, cookie, [
      { name: '_csrf', value: csrf },
      { name: 'alt', value: 'A brass desk lamp' },
      { name: 'file', filename: 'lamp.jpg', bytes: await photoJpeg(800, 600), type: 'image/jpeg' },
    ])
    assert.equal(sent.statusCode, 303, sent.body)
    assert.equal(sent.headers.location, `/admin/products/${product.id}?uploaded=1`)
    const [uploaded] = await images(built, product.id, api)
    assert.ok(uploaded)
    assert.equal(uploaded.alt, 'A brass desk lamp')
    const ready = await settled(built, product.id, uploaded.id, api)
    assert.equal(ready.status, 'ready')
    await productShowing(built, product.id, [uploaded.id])

    const admin = await built.app.inject({ method: 'GET', url: `/admin/products/${product.id}`, headers: { cookie } })
    assert.match(admin.body, /<ol class="admin-images">[\s\S]*Main picture[\s\S]*Ready[\s\S]*800 × 600[\s\S]*Alt text: A brass desk lamp/)
    const shop = await built.app.inject({ method: 'GET', url: `/products/${product.slug}` })
    const src = /<picture class="product-image large">[\s\S]*?<img src="([^"]+)"[^>]*alt="A brass desk lamp"/.exec(shop.body)?.[1]
    assert.ok(src, 'the storefront shows the picture')
    const file = await built.app.inject({ method: 'GET', url: src })
    assert.equal(file.statusCode, 200)
    assert.equal(file.headers['content-type'], 'image/jpeg')
  })

  test('a refused file shows the product page again with the reason and its status; nothing is kept', async (t) => {
    const { built, api, product, cookie, csrf } = await adminShop(t, { IMAGE_MAX_BYTES: String(64 * 1024) })
    const svg = await sendForm(built, product.id, cookie, [{ name: '_csrf', value: csrf }, { name: 'alt', value: '' }, { name: 'file', filename: 'evil.jpg', bytes: svgWithScript, type: 'image/jpeg' }])
    assert.equal(svg.statusCode, 415)
    assert.match(svg.body, /<div class="alert error" role="alert">That file is not an image the shop can use/)
    assert.match(svg.body, /<h1>Edit Desk lamp<\/h1>/)

    const big = await photoJpeg(1200, 1200)
    assert.ok(big.length > 64 * 1024, `the photo (${big.length} bytes) is over the limit`)
    const tooBig = await sendForm(built, product.id, cookie, [{ name: '_csrf', value: csrf }, { name: 'file', filename: 'big.jpg', bytes: big }])
    assert.equal(tooBig.statusCode, 413)
    assert.match(tooBig.body, /role="alert">Image files are limited to 0 MB|role="alert">The file is larger than 0\.1 MB/)
    assert.match(tooBig.body, /at most 0\.1 MB/, 'the form states the limit it applies')

    const noFile = await sendForm(built, product.id, cookie, [{ name: '_csrf', value: csrf }, { name: 'alt', value: 'nothing' }])
    assert.equal(noFile.statusCode, 400)
    assert.match(noFile.body, /Please choose an image file/)
    assert.deepEqual(await images(built, product.id, api), [])
    assert.deepEqual(await imageRows(built), [])
  })

  test('a form without its page token first is refused with 403 before any byte of the file is passed on', async (t) => {
    const { built, api, product, cookie, csrf } = await adminShop(t)
    const photo = await photoJpeg(300, 200)
    const forged = await sendForm(built, product.id, cookie, [{ name: '_csrf', value: 'forged' }, { name: 'file', filename: 'a.jpg', bytes: photo }])
    assert.equal(forged.statusCode, 403)
    assert.match(forged.body, /This form has expired/)
    const late = await sendForm(built, product.id, cookie, [{ name: 'file', filename: 'a.jpg', bytes: photo }, { name: '_csrf', value: csrf }])
    assert.equal(late.statusCode, 403, 'the token after the file does not count')
    const noCookie = await sendForm(built, product.id, '', [{ name: '_csrf', value: csrf }, { name: 'file', filename: 'a.jpg', bytes: photo }])
    assert.equal(noCookie.statusCode, 303, 'no session: sent to sign in')
    assert.match(String(noCookie.headers.location), /^\/account\/sign-in/)
    assert.deepEqual(await images(built, product.id, api), [])
  })

  test('"Show first" makes an image the main picture; "Delete" removes it', async (t) => {
    const { built, api, product, cookie, csrf } = await adminShop(t)
    for (const [i, size] of [[1, 300], [2, 400]] as const) {
      const res = await sendForm(built, product.id, cookie, [{ name: '_csrf', value: csrf }, { name: 'alt', value: `photo ${i}` }, { name: 'file', filename: 'p.jpg', bytes: await photoJpeg(size, 200) }])
      assert.equal(res.statusCode, 303, res.body)
    }
    const [first, second] = (await images(built, product.id, api)).sort((a, b) => a.position - b.position)
    const post = (path: string) =>
      built.app.inject({ method: 'POST', url: path, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(csrf)}` })
    assert.equal((await post(`/admin/products/${product.id}/images/${second!.id}/first`)).statusCode, 303)
    assert.deepEqual((await images(built, product.id, api)).sort((a, b) => a.position - b.position).map((i) => i.alt), ['photo 2', 'photo 1'])
    assert.equal((await post(`/admin/products/${product.id}/images/${first!.id}/delete`)).statusCode, 303)
    assert.deepEqual((await images(built, product.id, api)).map((i) => i.alt), ['photo 2'])
    const gone = await post(`/admin/products/${product.id}/images/${first!.id}/delete`)
    assert.equal(gone.statusCode, 404)
    assert.match(gone.body, /We could not find that image/)
  })
})

describe('the storefront API client over HTTP', () => {
  test('passes a streamed form on as it is read (chunked), and an API refusal of it comes back as ApiError', async (t) => {
    const { built, api, product } = await adminShop(t)
    await built.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = built.app.server.address() as { port: number }
    const client = createHttpApiClient(() => `http://127.0.0.1:${port}`, 5000)
    const accessToken = api.authorization.slice('Bearer '.length)
    const form = multipart([{ name: 'alt', value: 'over http' }, { name: 'file', filename: 'p.jpg', bytes: await photoJpeg(300, 200) }])
    async function* chunks(bytes: Buffer) {
      for (let at = 0; at < bytes.length; at += 4096) yield bytes.subarray(at, at + 4096)
    }
    const answer = await client.call<AdminImageBody>({ method: 'POST', path: `/api/products/${product.id}/images`, accessToken, stream: { contentType: form.headers['content-type'], bytes: chunks(form.payload) } })
    assert.equal(answer.status, 202)
    assert.equal(answer.body.alt, 'over http')
    const svg = multipart([{ name: 'file', filename: 'p.svg', bytes: svgWithScript }])
    await assert.rejects(
      client.call({ method: 'POST', path: `/api/products/${product.id}/images`, accessToken, stream: { contentType: svg.headers['content-type'], bytes: chunks(svg.payload) } }),
      (e: { code: string; status: number }) => e.code === 'UNSUPPORTED_IMAGE_TYPE' && e.status === 415,
    )
  })
})

describe('admin image pages with the storefront apart (the API over HTTP)', () => {
  test('an upload larger than the 1 MiB body limit (under IMAGE_MAX_BYTES) goes through; a file over IMAGE_MAX_BYTES gets 413 and the reason', async (t) => {
    const port = await freePort()
    const { built, api, product, cookie, csrf } = await adminShop(t, { STOREFRONT_API_URL: `http://127.0.0.1:${port}`, IMAGE_MAX_BYTES: String(2 * 1024 * 1024) }, port)
    const send = async (parts: readonly FormPart[]) => {
      const form = multipart(parts)
      const res = await fetch(`http://127.0.0.1:${port}/admin/products/${product.id}/images`, { method: 'POST', headers: { ...form.headers, cookie }, body: form.payload, redirect: 'manual' })
      return { status: res.status, body: await res.text() }
    }
    const photo = await photoJpeg(1600, 1600)
    assert.ok(photo.length > 1024 * 1024 && photo.length < 2 * 1024 * 1024, `${photo.length} bytes: over BODY_LIMIT_BYTES, under IMAGE_MAX_BYTES`)
    const ok = await send([{ name: '_csrf', value: csrf }, { name: 'alt', value: 'over http' }, { name: 'file', filename: 'p.jpg', bytes: photo }])
    assert.equal(ok.status, 303, ok.body.slice(0, 2000))
    const big = await photoJpeg(2200, 2000)
    assert.ok(big.length > 2 * 1024 * 1024)
    const tooBig = await send([{ name: '_csrf', value: csrf }, { name: 'file', filename: 'big.jpg', bytes: big }])
    assert.equal(tooBig.status, 413, tooBig.body.slice(0, 2000))
    assert.match(tooBig.body, /role="alert">(Image files are limited to 2 MB|The file is larger than 2 MB)/)
    assert.deepEqual((await images(built, product.id, api)).map((i) => i.alt), ['over http'])
  })
})
