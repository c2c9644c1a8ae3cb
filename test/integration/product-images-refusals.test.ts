import assert from 'node:assert/strict'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import { errorCode } from '../helpers/auth-fixture.js'
import { restartableApp } from '../helpers/cart-fixture.js'
import { filesUnder, photoJpeg, pngBomb, svgWithScript } from '../helpers/image-fixtures.js'
import { IMAGE_TEST_ENV, imageRows, imageShop, multipart, upload, uploadReady, type AdminImageBody, type FormPart } from '../helpers/product-images-fixture.js'
import { seedProductFixture } from '../helpers/product-fixture.js'
import { tokenMinter } from '../helpers/token-minter.js'
import { METRICS_AUTH } from '../helpers/build-app.js'

const MB = 1024 * 1024

/** 50 MB that starts like a JPEG: only its size can stop it. */
async function fiftyMegabytes(): Promise<Buffer> {
  const huge = Buffer.alloc(50 * MB)
  ;(await photoJpeg(64, 64)).copy(huge)
  return huge
}

function post(built: BuiltApp, productId: number, headers: Record<string, string>, parts: readonly FormPart[]) {
  const form = multipart(parts)
  return built.app.inject({ method: 'POST', url: `/api/products/${productId}/images`, headers: { ...headers, ...form.headers }, payload: form.payload })
}

for (const adapters of ['embedded', 'real'] as const) {
  describe(`product image refusals (${adapters})`, () => {
    test('every bad file is a 4xx with a stable code, leaves no file and no row, and the pool goes on serving', async (t) => {
      const { built, ids, imagesDir, admin } = await imageShop(t, adapters)
      const photo = await photoJpeg(800, 600)
      const cases = [
        { name: 'plain text', bytes: Buffer.from('hello, this is not an image\n'.repeat(10)), status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
        { name: 'an SVG with a script', bytes: svgWithScript, status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
        { name: 'an empty file', bytes: Buffer.alloc(0), status: 415, code: 'UNSUPPORTED_IMAGE_TYPE' },
        { name: 'a decompression bomb: 100k x 100k pixels in a few hundred bytes', bytes: pngBomb(), status: 422, code: 'IMAGE_TOO_LARGE' },
        { name: 'a JPEG cut in half', bytes: photo.subarray(0, photo.length >> 1), status: 422, code: 'INVALID_IMAGE' },
        { name: 'a 50 MB upload', bytes: await fiftyMegabytes(), status: 413, code: 'PAYLOAD_TOO_LARGE' },
      ]
      for (const c of cases) {
        const res = await upload(built, ids.kettle, admin, c.bytes, c.name)
        assert.deepEqual([res.statusCode, errorCode(res)], [c.status, c.code], `${c.name}: ${res.body.slice(0, 200)}`)
        assert.match(String(res.headers['content-type']), /^application\/json/)
        assert.deepEqual(await filesUnder(imagesDir), [], `${c.name}: no file left`)
        assert.deepEqual(await imageRows(built), [], `${c.name}: no row left`)
      }
      const failures = (await built.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH })).body
      assert.match(failures, /^image_failures_total\{[^}]*code="UNSUPPORTED_IMAGE_TYPE"[^}]*\} 3$/m)

      const good = await uploadReady(built, ids.kettle, admin, photo)
      assert.equal(good.status, 'ready', 'the pool still makes images')
      assert.deepEqual((await imageRows(built)).map((r) => r.status), ['ready'])
    })

    test('a form that is not what the route takes is 400, 413 or 415 JSON, and no file stays', async (t) => {
      const { built, ids, imagesDir, admin } = await imageShop(t, adapters)
      const bytes = await photoJpeg(120, 90)
      const file = { name: 'file', filename: 'a.jpg', bytes }
      const cases: { name: string; send: () => ReturnType<typeof post>; status: number; code: string; message?: RegExp }[] = [
        { name: 'JSON instead of a form', send: () => built.app.inject({ method: 'POST', url: `/api/products/${ids.kettle}/images`, headers: admin, payload: { alt: 'x', file: 'x' } }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
        {
          name: 'JSON that breaks the form',
          send: () => built.app.inject({ method: 'POST', url: `/api/products/${ids.kettle}/images`, headers: admin, payload: { alt: 'a'.repeat(301), file: 'x' } }),
          status: 400,
          code: 'VALIDATION',
          message: /^body\/alt must NOT have more than 300 characters/,
        },
        { name: 'no file', send: () => post(built, ids.kettle, admin, [{ name: 'alt', value: 'x' }]), status: 400, code: 'VALIDATION', message: /missing 'file'/ },
        { name: 'an unknown field', send: () => post(built, ids.kettle, admin, [{ name: 'title', value: 'x' }, file]), status: 400, code: 'VALIDATION', message: /unknown field 'title'/ },
        { name: 'the file under another name', send: () => post(built, ids.kettle, admin, [{ ...file, name: 'image' }]), status: 400, code: 'VALIDATION', message: /unknown field 'image'/ },
        { name: 'the file as a text field', send: () => post(built, ids.kettle, admin, [{ name: 'file', value: 'x' }]), status: 400, code: 'VALIDATION', message: /body\/file must be a file/ },
        { name: 'an alt of 301 characters', send: () => post(built, ids.kettle, admin, [{ name: 'alt', value: 'a'.repeat(301) }, file]), status: 400, code: 'VALIDATION', message: /^body\/alt must NOT have more than 300 characters/ },
        { name: 'two files', send: () => post(built, ids.kettle, admin, [file, { ...file, filename: 'b.jpg' }]), status: 413, code: 'PAYLOAD_TOO_LARGE' },
        {
          name: 'a body cut before its closing boundary',
          send: () => {
            const form = multipart([file])
            return built.app.inject({ method: 'POST', url: `/api/products/${ids.kettle}/images`, headers: { ...admin, ...form.headers }, payload: form.payload.subarray(0, form.payload.length - 200) })
          },
          status: 400,
          code: 'BAD_REQUEST',
        },
      ]
      for (const c of cases) {
        const res = await c.send()
        assert.deepEqual([res.statusCode, errorCode(res)], [c.status, c.code], `${c.name}: ${res.body.slice(0, 300)}`)
        if (c.message) assert.match(res.json<{ error: { message: string } }>().error.message, c.message, c.name)
        assert.deepEqual(await filesUnder(imagesDir), [], `${c.name}: no file left`)
      }
      assert.deepEqual(await imageRows(built), [])
    })

    test('an image whose process stopped while making it is failed (IMAGE_INTERRUPTED) at the next start; one another instance is making is left alone', async (t) => {
      const minter = await tokenMinter()
      const start = await restartableApp(t, adapters, { JWT_SECRET: minter.secret, ...IMAGE_TEST_ENV })
      const first = await start()
      const { ids } = await seedProductFixture(first.deps.db)
      const insert = (position: number, heartbeatAgo: string) =>
        first.deps.db.query<{ id: string }>(
          `insert into catalog.product_images (product_id, hash, position, status, heartbeat_at) values ($1, $2, $3, 'processing', now() - $4::interval) returning id`,
          [ids.lamp, 'a'.repeat(32), position, heartbeatAgo],
        )
      const stopped = (await insert(0, '10 minutes')).rows[0]!.id
      const alive = (await insert(1, '1 second')).rows[0]!.id

      const second = await start()
      const res = await second.app.inject({ method: 'GET', url: `/api/products/${ids.lamp}/images`, headers: (await minter.admin()).headers })
      assert.equal(res.statusCode, 200, res.body)
      const items = res.json<{ items: AdminImageBody[] }>().items
      assert.deepEqual(
        items.map((i) => [i.id, i.status, i.errorCode]),
        [
          [stopped, 'failed', 'IMAGE_INTERRUPTED'],
          [alive, 'processing', null],
        ],
      )
    })

    test('closing the service lets the image being made finish', async (t) => {
      const minter = await tokenMinter()
      const start = await restartableApp(t, adapters, { JWT_SECRET: minter.secret, ...IMAGE_TEST_ENV })
      const first = await start()
      const { ids } = await seedProductFixture(first.deps.db)
      const admin = (await minter.admin()).headers
      const res = await upload(first, ids.lamp, admin, await photoJpeg(2400, 1800))
      assert.equal(res.statusCode, 202, res.body)
      const second = await start()
      assert.deepEqual((await imageRows(second)).map((r) => r.status), ['ready'])
    })
  })
}

describe('product image files and uploads over a socket (embedded)', () => {
  test('a 50 MB upload over HTTP is answered 413 JSON while it streams, and the server goes on answering', async (t) => {
    const { built, ids, imagesDir, admin } = await imageShop(t, 'embedded')
    await built.app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = built.app.server.address() as AddressInfo
    const form = multipart([{ name: 'file', filename: 'huge.jpg', bytes: await fiftyMegabytes() }])
    const answer = await new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/api/products/${ids.kettle}/images`, headers: { ...admin, ...form.headers, 'content-length': form.payload.length } })
      req.on('response', (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }))
      })
      // The server may close while this side still sends: the answer counts, not the rest of the write.
      req.on('error', (err) => setTimeout(() => reject(err), 1000))
      req.end(form.payload)
    })
    assert.equal(answer.status, 413)
    assert.equal(JSON.parse(answer.body).error.code, 'PAYLOAD_TOO_LARGE')
    // The rest of the body is never read: the connection ends with the answer instead of stalling.
    assert.equal(answer.connection, 'close')
    assert.deepEqual(await filesUnder(imagesDir), [])
    const next = await fetch(`http://127.0.0.1:${port}/api/products/${ids.kettle}`)
    assert.equal(next.status, 200)
  })

  test('only variant files are served: no dotfile, manifest, other path or missing file (404, not cached)', async (t) => {
    const { built, ids, admin } = await imageShop(t, 'embedded')
    const image = await uploadReady(built, ids.kettle, admin, await photoJpeg(300, 200))
    const url = image.variants!.webp[0]!.url
    const [, , shard, hash] = url.split('/')
    const ok = await built.app.inject({ method: 'HEAD', url })
    assert.equal(ok.statusCode, 200)
    assert.equal(ok.headers['cache-control'], 'public, max-age=31536000, immutable')
    for (const bad of [
      `/images/${shard}/${hash}/manifest.json`,
      `/images/${shard}/${hash}/201.webp`,
      `/images/.incoming/${hash}`,
      `/images/.tmp/x/y`,
      `/images/${shard}/..%2F..%2F..%2Fetc/passwd`,
      `/images/00/${hash}/200.webp`,
      `/images/${shard}/${hash}/200.png`,
    ]) {
      const res = await built.app.inject({ method: 'GET', url: bad })
      assert.equal(res.statusCode, 404, `${bad}: ${res.statusCode}`)
      assert.equal(res.headers['cache-control'], undefined, `${bad}: a 404 is not cached for good`)
    }
  })

  test('with IMAGES_BASE_URL on a CDN the answers point there and this process serves no files', async (t) => {
    const { built, ids, admin } = await imageShop(t, 'embedded', { IMAGES_BASE_URL: 'https://cdn.example.com/shop-images/' })
    const image = await uploadReady(built, ids.kettle, admin, await photoJpeg(300, 200))
    const url = image.variants!.jpeg[0]!.url
    assert.match(url, /^https:\/\/cdn\.example\.com\/shop-images\/[0-9a-f]{2}\/[0-9a-f]{32}\/200\.jpg$/)
    const local = await built.app.inject({ method: 'GET', url: new URL(url).pathname.replace('/shop-images', '/images') })
    assert.equal(local.statusCode, 404)
  })
})
