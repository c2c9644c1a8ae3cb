import { createHash } from 'node:crypto'
import { rm } from 'node:fs/promises'
import type { Registry } from 'prom-client'
import { AppError } from '../../../platform/errors.js'
import { imagesDirOf, type ImageConfig } from './config.js'
import { imageQueueFull } from './errors.js'
import { contentHash, findManifest, receiveUpload, removeImageFiles, type ReceivedUpload } from './image-files.js'
import { createImageMetrics, type ImageMetrics } from './image-metrics.js'
import { createImagePool, type ImagePool } from './image-pool.js'
import type { ImageManifest, Size } from './variants.js'

/** An upload that decoded: its size is known, its variants are on the way. */
export interface AcceptedImage extends Size {
  hash: string
  /** Resolves once every variant is written (at once for content already stored). */
  done: Promise<ImageManifest>
}

/** The product service's image pipeline: uploads in, content-addressed variants out. */
export interface Images {
  dir: string
  metrics: ImageMetrics
  pool: ImagePool
  /** Refuse (503) before taking an upload in, rather than after reading it. */
  assertRoom(): void
  /**
   * Streams the file to disk, checks it and queues its variants. Resolves once
   * its pixels decoded; rejects with the file's 4xx (or 503 when the queue is
   * full) leaving no file behind. receive() then process(), for a caller that
   * records the hash in between (see process()).
   */
  ingest(source: AsyncIterable<Uint8Array>): Promise<AcceptedImage>
  /** Streams the file into .incoming/ and hashes it: 413 or 415 while it streams, no file left behind. */
  receive(source: AsyncIterable<Uint8Array>): Promise<ReceivedUpload>
  /**
   * Makes the variants of a received upload, which it then removes. Content
   * already stored is found by its manifest and not processed again: a caller
   * that may delete files concurrently records its reference to the hash first,
   * under the same lock as the deletion (the product service's transaction).
   */
  process(upload: ReceivedUpload): Promise<AcceptedImage>
  /** Removes a received upload that will not be processed. */
  discard(upload: ReceivedUpload): Promise<void>
  /** Variants of one of our own SVG drawings (demo pictures), addressed by the drawing's text; signal gives up. */
  draw(svg: string, signal?: AbortSignal): Promise<ImageManifest>
  findManifest(hash: string): Promise<ImageManifest | undefined>
  removeFiles(hash: string): Promise<void>
  close(): Promise<void>
}

export function createImages(config: ImageConfig & { DATA_DIR: string }, registry: Registry): Images {
  const dir = imagesDirOf(config)
  const metrics = createImageMetrics(registry)
  const settings = { imagesDir: dir, maxPixels: config.IMAGE_MAX_PIXELS, avifEffort: config.IMAGE_AVIF_EFFORT, nice: config.IMAGE_THREAD_NICE }
  const pool = createImagePool({ settings, workers: config.IMAGE_WORKERS, queueMax: config.IMAGE_QUEUE_MAX, metrics })
  const counted = (err: unknown) => {
    if (err instanceof AppError) metrics.failures.inc({ code: err.code })
    throw err
  }
  const assertRoom = () => {
    if (pool.hasRoom()) return
    metrics.failures.inc({ code: 'IMAGE_QUEUE_FULL' })
    throw imageQueueFull()
  }

  async function receive(source: AsyncIterable<Uint8Array>): Promise<ReceivedUpload> {
    assertRoom()
    return receiveUpload(source, dir, config.IMAGE_MAX_BYTES).catch(counted)
  }

  async function processUpload(upload: ReceivedUpload): Promise<AcceptedImage> {
    const discard = () => rm(upload.path, { force: true })
    try {
      const stored = await findManifest(dir, upload.hash)
      if (stored) {
        await discard()
        return { hash: upload.hash, width: stored.width, height: stored.height, done: Promise.resolve(stored) }
      }
      const job = pool.run({ file: upload.path, type: upload.type }, upload.hash)
      const done = job.done.then((p) => p.manifest).finally(discard)
      done.catch(() => {})
      return { hash: upload.hash, ...(await job.accepted), done }
    } catch (err) {
      await discard()
      throw err
    }
  }

  return {
    dir,
    metrics,
    pool,
    assertRoom,
    ingest: async (source) => processUpload(await receive(source)),
    receive,
    process: processUpload,
    discard: (upload) => rm(upload.path, { force: true }),
    async draw(svg, signal) {
      const hash = contentHash(createHash('sha256').update('emporium drawing\n').update(svg))
      const stored = await findManifest(dir, hash)
      if (stored) return stored
      return (await pool.run({ svg }, hash, signal).done).manifest
    },
    findManifest: (hash) => findManifest(dir, hash),
    removeFiles: (hash) => removeImageFiles(dir, hash),
    close: () => pool.close(),
  }
}
