import type { Logger } from 'pino'
import type { Queryable } from '../../platform/db/db.js'
import { AppError, internalError } from '../../platform/errors.js'
import { appendEvent } from '../../platform/events/outbox.js'
import { imageInterrupted, imageNotFound, imageOrderMismatch, productNotFound } from './errors.js'
import { DEMO_COLOURWAYS, ensureDemoImage } from './images/demo-images.js'
import type { ReceivedUpload } from './images/image-files.js'
import type { Images } from './images/images.js'
import { imageView, type ImageView } from './images/image-view.js'
import type { ImageManifest } from './images/variants.js'
import { HEARTBEAT_MS, IMAGE_INITIAL_STATUS, IMAGE_READY_STATUS, IMAGE_TRANSITIONS, STALE_AFTER_SECONDS, type ImageStatus } from './image-states.js'
import * as store from './image-store.js'
import type { ImageRow } from './image-store.js'
import { NS, type ProductDeps } from './product.js'

/**
 * A product's images: one function per flow. An upload is a row first
 * (processing), then its variants (the image pool, off the event loop), then
 * the row is ready and product.image_ready goes to the outbox; the product
 * service's own consumer of that event puts it into products.images, the read
 * model every catalog answer carries. Deleting the last row of a hash removes
 * its files.
 */

export interface ImageDeps extends ProductDeps {
  images: Images
  inFlight: ImagesInFlight
  log: Logger
}

/** What the admin routes answer for an image, whatever its status. */
export interface AdminImage {
  id: string
  alt: string
  position: number
  status: ImageStatus
  errorCode: string | null
  width: number | null
  height: number | null
  /** Once ready: the URLs by format, ascending widths (srcset). */
  variants: ImageView['variants'] | null
  createdAt: string
}

export function adminImage(r: ImageRow, baseUrl: string): AdminImage {
  return {
    id: r.id,
    alt: r.alt,
    position: r.position,
    status: r.status,
    errorCode: r.error_code,
    width: r.width,
    height: r.height,
    variants: r.status === IMAGE_READY_STATUS && r.sizes ? imageView({ ...r, sizes: r.sizes }, baseUrl).variants : null,
    createdAt: r.created_at.toISOString(),
  }
}

/** The cached catalog answers that show products (and so their images). */
export const SHOWN = [NS.products, NS.deals, NS.recommendations]

/** Before an upload is read: the product exists and the pool has room (else 404, or 503 IMAGE_QUEUE_FULL). */
export async function assertCanUpload(deps: ImageDeps, productId: number): Promise<void> {
  if (!(await store.isLiveProduct(deps.db, productId))) throw productNotFound(productId)
  deps.images.assertRoom()
}

/**
 * Takes a received upload in: its row first, under the hash's lock (so a
 * deletion of the same files waits, or they are made again), then the pool.
 * Resolves once its pixels decoded (a refusal rejects with its 4xx and leaves
 * no row); the variants follow in the background.
 */
export async function addImage(deps: ImageDeps, productId: number, alt: string, upload: ReceivedUpload): Promise<ImageRow> {
  let row: ImageRow
  try {
    row = await deps.db.transaction(async (tx) => {
      await store.lockHash(tx, upload.hash)
      if (!(await store.lockLiveProduct(tx, productId))) throw productNotFound(productId)
      return store.insertImage(tx, { productId, hash: upload.hash, alt, status: IMAGE_INITIAL_STATUS })
    })
  } catch (err) {
    await deps.images.discard(upload)
    throw err
  }
  try {
    const accepted = await deps.images.process(upload)
    deps.inFlight.track(
      row.id,
      accepted.done.then(
        (manifest) => finishImage(deps, row, manifest),
        (err: unknown) => failImage(deps, row, err),
      ),
    )
    return { ...row, width: accepted.width, height: accepted.height }
  } catch (err) {
    // Refused before the answer (not an image, a bomb, a full queue): the client hears why; no row stays.
    await store.deleteImage(deps.db, productId, row.id)
    throw deps.inFlight.closing && !(err instanceof AppError) ? imageInterrupted() : err
  }
}

async function finishImage(deps: ImageDeps, row: ImageRow, m: ImageManifest): Promise<void> {
  const ready = await deps.db.transaction(async (tx) => {
    const moved = await store.moveImage(tx, row.id, IMAGE_TRANSITIONS.finish, { sizes: m.sizes, width: m.width, height: m.height })
    if (!moved) return undefined
    await appendEvent(tx, 'catalog', {
      type: 'product.image_ready',
      aggregateType: 'product',
      aggregateId: String(moved.product_id),
      payload: { productId: moved.product_id, imageId: moved.id, position: moved.position, hash: moved.hash, sizes: m.sizes },
    })
    return moved
  })
  // Deleted while its variants were made: they may be the last reference to its files.
  if (!ready) await removeFilesIfUnused(deps, row.hash)
}

async function failImage(deps: ImageDeps, row: ImageRow, err: unknown): Promise<void> {
  const code = err instanceof AppError ? err.code : deps.inFlight.closing ? imageInterrupted.code : internalError.code
  if (code === internalError.code) deps.log.error({ err, imageId: row.id, productId: row.product_id }, 'making the variants of an image failed')
  await store.moveImage(deps.db, row.id, IMAGE_TRANSITIONS.fail, { errorCode: code })
}

async function removeFilesIfUnused(deps: ImageDeps, hash: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await store.lockHash(tx, hash)
    if (!(await store.isHashInUse(tx, hash))) await deps.images.removeFiles(hash)
  })
}

export async function listImages(deps: ImageDeps, productId: number): Promise<ImageRow[]> {
  const rows = await store.listImages(deps.db, productId)
  if (!rows.length && !(await store.isLiveProduct(deps.db, productId))) throw productNotFound(productId)
  return rows
}

export async function getImage(deps: ImageDeps, productId: number, imageId: string): Promise<ImageRow> {
  const row = await store.findImage(deps.db, productId, imageId)
  if (row) return row
  if (!(await store.isLiveProduct(deps.db, productId))) throw productNotFound(productId)
  throw imageNotFound(imageId)
}

/** A change of the product's rows and its read model in one transaction, then the cached answers go. */
async function change<T>(deps: ImageDeps, productId: number, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const result = await deps.db.transaction(async (tx) => {
    if (!(await store.lockLiveProduct(tx, productId))) throw productNotFound(productId)
    const r = await fn(tx)
    await store.refreshReadModel(tx, [productId])
    return r
  })
  await deps.cache.invalidate(...SHOWN)
  return result
}

export async function setAlt(deps: ImageDeps, productId: number, imageId: string, alt: string): Promise<ImageRow> {
  return change(deps, productId, async (tx) => {
    const row = await store.setAlt(tx, productId, imageId, alt)
    if (!row) throw imageNotFound(imageId)
    return row
  })
}

/** `ids` must be every image of the product (whatever its status), each once, in the new order. */
export async function reorderImages(deps: ImageDeps, productId: number, ids: readonly string[]): Promise<ImageRow[]> {
  await change(deps, productId, async (tx) => {
    const current = (await store.listImages(tx, productId)).map((r) => r.id)
    const wanted = new Set(ids)
    if (wanted.size !== ids.length || wanted.size !== current.length || !current.every((id) => wanted.has(id))) throw imageOrderMismatch()
    await store.reorderImages(tx, productId, ids)
  })
  return store.listImages(deps.db, productId)
}

/**
 * Deletes an image and, when no other image uses the same file (identical
 * uploads share one), the files, as the last step under the hash's lock: an
 * identical upload waiting on it finds no files and makes them again.
 */
export async function deleteImage(deps: ImageDeps, productId: number, imageId: string): Promise<void> {
  const image = await getImage(deps, productId, imageId)
  await deps.db.transaction(async (tx) => {
    await store.lockHash(tx, image.hash)
    if (!(await store.lockLiveProduct(tx, productId))) throw productNotFound(productId)
    if (!(await store.deleteImage(tx, productId, imageId))) throw imageNotFound(imageId)
    await store.refreshReadModel(tx, [productId])
    if (!(await store.isHashInUse(tx, image.hash))) await deps.images.removeFiles(image.hash)
  })
  await deps.cache.invalidate(...SHOWN)
}

/**
 * One demo picture for the demo products still waiting for one (the first
 * (category, colourway) pair in line), made through the pool; false when none
 * waits any more. One picture per call; a stop (signal) abandons it, to be made on the next start.
 */
export async function attachNextDemoImage(deps: ImageDeps, signal?: AbortSignal): Promise<boolean> {
  // Uploads first: a full queue only delays the demo pictures.
  if (!deps.images.pool.hasRoom()) return true
  const [next] = await store.pendingDemoImages(deps.db, DEMO_COLOURWAYS)
  if (!next) return false
  const m = await ensureDemoImage(deps.images, next.slug, next.colourway, signal)
  await deps.db.transaction(async (tx) => {
    await store.lockHash(tx, m.hash)
    // Removed since it was made (its last image deleted meanwhile): made again on the next call.
    if (!(await deps.images.findManifest(m.hash))) return
    const ids = await store.attachDemoImage(tx, { ...next, colourways: DEMO_COLOURWAYS, hash: m.hash, width: m.width, height: m.height, sizes: m.sizes })
    await store.refreshReadModel(tx, ids)
  })
  await deps.cache.invalidate(...SHOWN)
  return true
}

/** Images whose process stopped (a crash, a kill) while making them become failed: IMAGE_INTERRUPTED. */
export async function failInterrupted(deps: Pick<ImageDeps, 'db' | 'log'>): Promise<void> {
  const ids = await store.moveStaleImages(deps.db, IMAGE_TRANSITIONS.interrupt, STALE_AFTER_SECONDS, imageInterrupted.code)
  if (ids.length) deps.log.warn({ images: ids }, 'images interrupted while processing (their process stopped): marked failed')
}

/**
 * The uploads this process is making variants of: their rows get a heartbeat
 * (so no other instance takes them for interrupted), and close() waits for
 * their outcome once the pool has closed.
 */
export interface ImagesInFlight {
  track(imageId: string, work: Promise<void>): void
  /** True once close() began: a rejection then means the pool was shut, not a bug. */
  readonly closing: boolean
  close(closePool: () => Promise<void>): Promise<void>
}

export function createImagesInFlight(deps: Pick<ImageDeps, 'db' | 'log'>): ImagesInFlight {
  const work = new Map<string, Promise<void>>()
  let closing = false
  const timer = setInterval(() => {
    if (!work.size) return
    store.touchImages(deps.db, [...work.keys()], IMAGE_TRANSITIONS.finish).catch((err: unknown) => deps.log.warn({ err }, 'image heartbeat failed'))
  }, HEARTBEAT_MS)
  timer.unref()
  return {
    track(imageId, promise) {
      const settled = promise
        .catch((err: unknown) => deps.log.error({ err, imageId }, 'recording the outcome of an image failed'))
        .finally(() => work.delete(imageId))
      work.set(imageId, settled)
    },
    get closing() {
      return closing
    },
    async close(closePool) {
      closing = true
      await closePool()
      await Promise.all(work.values())
      clearInterval(timer)
    },
  }
}
