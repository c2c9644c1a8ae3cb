import assert from 'node:assert/strict'
import { access } from 'node:fs/promises'
import path from 'node:path'
import { describe, test } from 'node:test'
import sharp from 'sharp'
import { variantFileOf } from '../../src/services/product/images/variants.js'
import { errorCode } from '../helpers/auth-fixture.js'
import { cartOk, guestAdd } from '../helpers/cart-fixture.js'
import { filesUnder, photoJpeg, transparentPng } from '../helpers/image-fixtures.js'
import { imageRows, imageShop, productShowing, settled, upload, uploadReady, type AdminImageBody } from '../helpers/product-images-fixture.js'
import { METRICS_AUTH } from '../helpers/build-app.js'

const exists = (file: string) => access(file).then(() => true, () => false)

/** Product images over HTTP, in both columns: the embedded one (PGlite) and PostgreSQL + Redis. */
for (const adapters of ['embedded', 'real'] as const) {
  describe(`product images (${adapters})`, () => {
    test('an upload is answered 202, its variants are made, the product shows them for srcset, the event is in the outbox and the cart shows the thumbnail', async (t) => {
      const { built, ids, imagesDir, admin } = await imageShop(t, adapters)
      const photo = await photoJpeg(1600, 1200, 6) // EXIF orientation 6: stored sideways, shown upright (1200 x 1600)
      const res = await upload(built, ids.kettle, admin, photo, 'A copper kettle on a stove')
      assert.equal(res.statusCode, 202, res.body)
      const accepted = res.json<AdminImageBody>()
      assert.equal(res.headers.location, `/api/products/${ids.kettle}/images/${accepted.id}`)
      assert.deepEqual([accepted.status, accepted.width, accepted.height, accepted.alt, accepted.position], ['processing', 1200, 1600, 'A copper kettle on a stove', 0])

      const image = await settled(built, ids.kettle, accepted.id, admin)
      assert.equal(image.status, 'ready', JSON.stringify(image))
      const sizes = [
        { width: 200, height: 267 },
        { width: 600, height: 800 },
        { width: 1200, height: 1600 },
      ]
      const [hash] = (await imageRows(built)).map((r) => r.hash)
      for (const [format, sharpName] of [['avif', 'heif'], ['webp', 'webp'], ['jpeg', 'jpeg']] as const) {
        assert.deepEqual(image.variants![format].map(({ width, height }) => ({ width, height })), sizes, `${format}: ascending widths`)
        for (const { width, height } of sizes) {
          const meta = await sharp(path.join(imagesDir, variantFileOf(hash!, width, format))).metadata()
          assert.deepEqual([meta.format, meta.width, meta.height], [sharpName, width, height], `${format} ${width}`)
          assert.equal(meta.exif, undefined, `${format} ${width}: no EXIF`)
        }
      }

      // The public answer: the same variants, once product.image_ready has reached the read model.
      const product = await productShowing(built, ids.kettle, [accepted.id])
      assert.deepEqual(product.images[0], { id: accepted.id, alt: 'A copper kettle on a stove', position: 0, variants: image.variants })
      const srcset = product.images[0]!.variants.webp.map((v) => `${v.url} ${v.width}w`).join(', ')
      assert.equal(srcset, sizes.map((s) => `/images/${hash!.slice(0, 2)}/${hash}/${s.width}.webp ${s.width}w`).join(', '))

      // The URLs answer, cached for good.
      for (const v of [product.images[0]!.variants.avif[0]!, product.images[0]!.variants.jpeg[2]!]) {
        const file = await built.app.inject({ method: 'GET', url: v.url })
        assert.equal(file.statusCode, 200, v.url)
        assert.equal(file.headers['cache-control'], 'public, max-age=31536000, immutable')
        assert.match(String(file.headers['content-type']), /^image\/(avif|jpeg)/)
        assert.equal((await sharp(file.rawPayload).metadata()).width, v.width)
      }

      const events = await built.deps.db.query<{ type: string; aggregate_id: string; payload: Record<string, unknown> }>(
        'select type, aggregate_id, payload from catalog.outbox order by seq',
      )
      assert.deepEqual(events.rows, [
        { type: 'product.image_ready', aggregate_id: String(ids.kettle), payload: { productId: ids.kettle, imageId: accepted.id, position: 0, hash, sizes } },
      ])

      const token = await guestAdd(built, ids.kettle, 1)
      const cart = await cartOk(built, { cartToken: token })
      assert.equal(cart.items[0]!.image, `/images/${hash!.slice(0, 2)}/${hash}/200.jpg`)

      const metrics = await built.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH })
      assert.match(metrics.body, /^image_queue_length(\{[^}]*\})? 0$/m)
      assert.match(metrics.body, /^image_variant_duration_seconds_count\{[^}]*format="avif",width="1200"[^}]*\} 1$/m)
      assert.match(metrics.body, /^# TYPE image_failures_total counter$/m)
    })

    test('reordering puts the first image in front everywhere (product, cart); an order that is not every image once is 400 IMAGE_ORDER_MISMATCH', async (t) => {
      const { built, ids, admin } = await imageShop(t, adapters)
      const first = await uploadReady(built, ids.wok, admin, await photoJpeg(400, 300))
      const second = await uploadReady(built, ids.wok, admin, await transparentPng(300, 300))
      assert.deepEqual([first.position, second.position, second.variants!.jpeg.map((v) => v.width)], [0, 1, [200, 300]])
      await productShowing(built, ids.wok, [first.id, second.id])

      const reorder = (ids2: string[]) => built.app.inject({ method: 'PUT', url: `/api/products/${ids.wok}/images/order`, headers: admin, payload: { ids: ids2 } })
      for (const bad of [[second.id], [second.id, second.id], [second.id, first.id, '00000000-0000-4000-8000-000000000000']]) {
        const res = await reorder(bad)
        assert.equal(res.statusCode, 400, res.body)
        assert.equal(errorCode(res), 'IMAGE_ORDER_MISMATCH')
      }
      const res = await reorder([second.id, first.id])
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json<{ items: AdminImageBody[] }>().items.map((i) => [i.id, i.position]), [[second.id, 0], [first.id, 1]])
      const product = await productShowing(built, ids.wok, [second.id, first.id])
      const token = await guestAdd(built, ids.wok, 1)
      assert.equal((await cartOk(built, { cartToken: token })).items[0]!.image, product.images[0]!.variants.jpeg[0]!.url)

      const alt = await built.app.inject({ method: 'PATCH', url: `/api/products/${ids.wok}/images/${first.id}`, headers: admin, payload: { alt: 'Wok, side view' } })
      assert.equal(alt.statusCode, 200, alt.body)
      assert.equal(alt.json<AdminImageBody>().alt, 'Wok, side view')
      const shown = (await built.app.inject({ method: 'GET', url: `/api/products/${ids.wok}` })).json<{ images: { alt: string }[] }>()
      assert.deepEqual(shown.images.map((i) => i.alt), ['', 'Wok, side view'], 'the cached product answer was invalidated')
    })

    test('deleting an image removes its files, unless another image was made from the same file', async (t) => {
      const { built, ids, imagesDir, admin } = await imageShop(t, adapters)
      const photo = await photoJpeg(300, 200)
      const onSkillet = await uploadReady(built, ids.skillet, admin, photo)
      const onWok = await uploadReady(built, ids.wok, admin, photo)
      const other = await uploadReady(built, ids.wok, admin, await photoJpeg(320, 200))
      const rows = await imageRows(built)
      assert.equal(rows[0]!.hash, rows[1]!.hash, 'identical uploads share one set of files')
      const shared = path.join(imagesDir, variantFileOf(rows[0]!.hash, 200, 'webp'))
      await productShowing(built, ids.wok, [onWok.id, other.id])

      const remove = (productId: number, imageId: string) => built.app.inject({ method: 'DELETE', url: `/api/products/${productId}/images/${imageId}`, headers: admin })
      assert.equal((await remove(ids.skillet, onSkillet.id)).statusCode, 204)
      assert.ok(await exists(shared), 'the wok image still uses the files')
      assert.equal((await remove(ids.wok, onWok.id)).statusCode, 204)
      assert.equal(await exists(shared), false, 'the last image of the files is gone: so are they')
      assert.deepEqual(
        (await filesUnder(imagesDir)).filter((f) => !f.includes(rows[2]!.hash)),
        [],
        'nothing is left but the other image',
      )
      const product = (await built.app.inject({ method: 'GET', url: `/api/products/${ids.wok}` })).json<{ images: { id: string; position: number }[] }>()
      assert.deepEqual(product.images.map((i) => [i.id, i.position]), [[other.id, 1]])
      const again = await remove(ids.wok, onWok.id)
      assert.deepEqual([again.statusCode, errorCode(again)], [404, 'IMAGE_NOT_FOUND'])
      const elsewhere = await remove(ids.skillet, other.id)
      assert.deepEqual([elsewhere.statusCode, errorCode(elsewhere)], [404, 'IMAGE_NOT_FOUND'], "another product's image is not found through this one")
    })

    test('a customer gets 403 and no token 401 on every image route; a missing product is 404 PRODUCT_NOT_FOUND, before the upload is read', async (t) => {
      const { built, ids, admin, customer } = await imageShop(t, adapters)
      const image = '00000000-0000-4000-8000-000000000000'
      const routes = [
        { method: 'GET', url: `/api/products/${ids.lamp}/images` },
        { method: 'GET', url: `/api/products/${ids.lamp}/images/${image}` },
        { method: 'PATCH', url: `/api/products/${ids.lamp}/images/${image}`, payload: { alt: 'x' } },
        { method: 'PUT', url: `/api/products/${ids.lamp}/images/order`, payload: { ids: [image] } },
        { method: 'DELETE', url: `/api/products/${ids.lamp}/images/${image}` },
      ] as const
      for (const route of routes) {
        for (const [headers, status, code] of [[{}, 401, 'AUTH_REQUIRED'], [customer, 403, 'FORBIDDEN']] as const) {
          const res = await built.app.inject({ ...route, headers })
          assert.deepEqual([res.statusCode, errorCode(res)], [status, code], `${route.method} ${route.url}`)
        }
      }
      // Bytes that would be refused (415) if they were read: the role and the product are checked first.
      const junk = Buffer.from('not an image at all')
      for (const [headers, status, code] of [[{}, 401, 'AUTH_REQUIRED'], [customer, 403, 'FORBIDDEN']] as const) {
        const res = await upload(built, ids.lamp, headers, junk)
        assert.deepEqual([res.statusCode, errorCode(res)], [status, code])
      }
      const missing = await upload(built, 987654, admin, junk)
      assert.deepEqual([missing.statusCode, errorCode(missing)], [404, 'PRODUCT_NOT_FOUND'])
      for (const route of routes.slice(0, 1)) {
        const res = await built.app.inject({ ...route, url: route.url.replace(String(ids.lamp), '987654'), headers: admin })
        assert.deepEqual([res.statusCode, errorCode(res)], [404, 'PRODUCT_NOT_FOUND'])
      }
      const unknown = await built.app.inject({ method: 'GET', url: `/api/products/${ids.lamp}/images/${image}`, headers: admin })
      assert.deepEqual([unknown.statusCode, errorCode(unknown)], [404, 'IMAGE_NOT_FOUND'])
      assert.deepEqual(await imageRows(built), [])
    })
  })
}
