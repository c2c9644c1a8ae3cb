import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { TestContext } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import { productService } from '../../src/services/product/index.js'
import { imagesDirOf } from '../../src/services/product/images/config.js'
import { buildTestApp } from './build-app.js'
import type { Adapters } from './databases.js'
import { until } from './events.js'
import { seedProductFixture } from './product-fixture.js'
import { tokenMinter } from './token-minter.js'

/**
 * Image threads at normal priority in tests: at the default nice 19 they only get the CPU nobody
 * else wants, and a machine busy with other test files can starve them for minutes.
 */
export const IMAGE_TEST_ENV = { IMAGE_THREAD_NICE: '0' }

/** The shop with the catalog fixture, an admin and a customer (minted tokens), and its images directory. */
export async function imageShop(t: Pick<TestContext, 'after'>, adapters: Adapters, env: Record<string, string> = {}) {
  const minter = await tokenMinter()
  const built = await buildTestApp(t, { adapters, env: { JWT_SECRET: minter.secret, PRODUCT_RATE_LIMIT_MAX: '100000', ...IMAGE_TEST_ENV, ...env } })
  const { ids } = await seedProductFixture(built.deps.db)
  const imagesDir = imagesDirOf(productService.settings(built.config))
  return { built, ids, imagesDir, admin: (await minter.admin()).headers, customer: (await minter.customer()).headers }
}

export type FormPart = { name: string; value: string } | { name: string; filename: string; bytes: Buffer; type?: string }

/** A multipart/form-data body, byte for byte as a browser sends one. */
export function multipart(parts: readonly FormPart[]) {
  const boundary = `----emporium${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const p of parts) {
    const file = 'bytes' in p
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${file ? `; filename="${p.filename}"` : ''}\r\n`
    chunks.push(Buffer.from(`${head}${file ? `Content-Type: ${p.type ?? 'application/octet-stream'}\r\n` : ''}\r\n`), file ? p.bytes : Buffer.from(p.value), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

export function upload(built: BuiltApp, productId: number, headers: Record<string, string>, bytes: Buffer, alt?: string) {
  const form = multipart([...(alt !== undefined ? [{ name: 'alt', value: alt }] : []), { name: 'file', filename: 'photo.jpg', bytes, type: 'image/jpeg' }])
  return built.app.inject({ method: 'POST', url: `/api/products/${productId}/images`, headers: { ...headers, ...form.headers }, payload: form.payload })
}

export interface Variant {
  url: string
  width: number
  height: number
}

export interface AdminImageBody {
  id: string
  alt: string
  position: number
  status: 'processing' | 'ready' | 'failed'
  errorCode: string | null
  width: number | null
  height: number | null
  variants: { avif: Variant[]; webp: Variant[]; jpeg: Variant[] } | null
}

/** Uploads and waits until the image is no longer processing. */
export async function uploadReady(built: BuiltApp, productId: number, headers: Record<string, string>, bytes: Buffer, alt?: string): Promise<AdminImageBody> {
  const res = await upload(built, productId, headers, bytes, alt)
  assert.equal(res.statusCode, 202, res.body)
  return settled(built, productId, res.json<AdminImageBody>().id, headers)
}

export function settled(built: BuiltApp, productId: number, imageId: string, headers: Record<string, string>): Promise<AdminImageBody> {
  return until(`image ${imageId} is made`, async () => {
    const res = await built.app.inject({ method: 'GET', url: `/api/products/${productId}/images/${imageId}`, headers })
    assert.equal(res.statusCode, 200, res.body)
    const image = res.json<AdminImageBody>()
    return image.status === 'processing' ? undefined : image
  }, 180_000, 100)
}

interface ProductBody {
  images: { id: string; alt: string; position: number; variants: AdminImageBody['variants'] & object }[]
}

/** The public product once its images are the given ones (the read model follows product.image_ready). */
export function productShowing(built: BuiltApp, productId: number, imageIds: readonly string[]): Promise<ProductBody> {
  return until(`product ${productId} shows ${imageIds.join(', ')}`, async () => {
    const product = (await built.app.inject({ method: 'GET', url: `/api/products/${productId}` })).json<ProductBody>()
    return JSON.stringify(product.images.map((i) => i.id)) === JSON.stringify(imageIds) ? product : undefined
  }, 60_000, 50)
}

export async function imageRows(built: BuiltApp): Promise<{ id: string; product_id: number; hash: string; status: string; error_code: string | null }[]> {
  const { rows } = await built.deps.db.query<{ id: string; product_id: number; hash: string; status: string; error_code: string | null }>(
    'select id, product_id, hash, status, error_code from catalog.product_images order by created_at',
  )
  return rows
}
