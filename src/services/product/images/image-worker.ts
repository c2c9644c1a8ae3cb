/**
 * Runs in a worker thread of the image pool, never on the event loop: decodes
 * one image and writes its variants. Expected refusals come back as a code (an
 * Error's own fields do not cross the thread boundary); anything thrown is a bug
 * or a disk failure, and the pool's thread carries on with the next task.
 */
import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { threadId, type MessagePort } from 'node:worker_threads'
import sharp from 'sharp'
import type { FormatEnum, Metadata, OutputInfo, Sharp, SharpOptions } from 'sharp'
import type { WorkerRefusal } from './errors.js'
import { mkdirPublic, PUBLIC_FILE_MODE } from './image-files.js'
import type { ImageType } from './image-type.js'
import {
  hashDirOf,
  MANIFEST_FILE,
  MAX_ASPECT,
  planWidths,
  TARGET_WIDTHS,
  variantFileOf,
  VARIANT_FORMATS,
  type ImageManifest,
  type Size,
  type VariantFormat,
} from './variants.js'

// One libvips thread per image: with IMAGE_WORKERS=1 image work takes one core, whatever the encoder.
sharp.concurrency(1)
sharp.cache(false)
// libvips starts its worker thread on first use and keeps it; starting it before the first task
// means that task's setPixelThreadsPriority() already finds it, so no first decode runs at full
// priority. (Awaited in the task: a top-level await stops tsx from loading this file in a thread.)
const libvipsStarted = sharp({ create: { width: 8, height: 8, channels: 3, background: '#000000' } }).raw().toBuffer()

export interface ProcessTask {
  /** An upload (its type sniffed from its bytes), or one of our own demo drawings. */
  source: { file: string; type: ImageType } | { svg: string }
  hash: string
  imagesDir: string
  maxPixels: number
  avifEffort: number
  /** Nice value for the threads that do the pixel work (0 leaves them at the process's). */
  nice: number
  /** Told the original's size once its pixels decoded: the file is a good image, variants follow. */
  progress?: MessagePort
}

export interface VariantTiming {
  format: VariantFormat
  width: number
  seconds: number
}

export type ProcessOutcome =
  | { ok: true; manifest: ImageManifest; timings: VariantTiming[]; startedAt: number; endedAt: number; threadId: number }
  | { ok: false; code: WorkerRefusal }

/** What sharp calls each format we accept (AVIF decodes through libheif). */
const DECODER: Record<ImageType, keyof FormatEnum> = { jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', avif: 'heif' }

class Refused extends Error {
  constructor(readonly code: WorkerRefusal) {
    super(code)
  }
}

export default async function processImage(task: ProcessTask): Promise<ProcessOutcome> {
  const startedAt = performance.timeOrigin + performance.now()
  await libvipsStarted
  const renice = () => setPixelThreadsPriority(task.nice)
  renice()
  let decoded: Awaited<ReturnType<typeof decode>>
  try {
    decoded = await decode(task)
    renice()
  } catch (err) {
    if (err instanceof Refused) return { ok: false, code: err.code }
    if (/input file is missing/i.test(String(err))) throw err
    return { ok: false, code: /pixel limit/i.test(String(err)) ? 'IMAGE_TOO_LARGE' : 'INVALID_IMAGE' }
  }
  task.progress?.postMessage({ width: decoded.original.width, height: decoded.original.height })
  const hashDir = path.join(task.imagesDir, hashDirOf(task.hash))
  try {
    const { sizes, timings } = await writeVariants(task, decoded.pixels, renice)
    const manifest: ImageManifest = { hash: task.hash, ...decoded.original, sizes }
    await writeAtomically(task.imagesDir, path.join(hashDir, MANIFEST_FILE), JSON.stringify(manifest))
    return { ok: true, manifest, timings, startedAt, endedAt: performance.timeOrigin + performance.now(), threadId }
  } catch (err) {
    // No manifest, no image: partial variants must not be mistaken for a finished set.
    await rm(hashDir, { recursive: true, force: true })
    throw err
  }
}

interface Pixels {
  data: Buffer
  info: OutputInfo
}

/** Header checks, then one full decode (orientation applied, sRGB) down to the largest width. */
async function decode(task: ProcessTask): Promise<{ original: Size; pixels: Pixels }> {
  const input = 'svg' in task.source ? Buffer.from(task.source.svg) : task.source.file
  const options: SharpOptions = { failOn: 'error', limitInputPixels: task.maxPixels }
  const meta = await sharp(input, options).metadata()
  if ('type' in task.source) checkFormat(meta, task.source.type)
  if (meta.width * meta.height > task.maxPixels) throw new Refused('IMAGE_TOO_LARGE')
  const largest = TARGET_WIDTHS[TARGET_WIDTHS.length - 1]!
  const pixels = await sharp(input, options)
    .rotate()
    .resize({ width: largest, height: largest * MAX_ASPECT, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { original: { width: meta.autoOrient.width, height: meta.autoOrient.height }, pixels }
}

/** The sniffed type and libvips's own reading of the header must agree, else neither is trusted. */
function checkFormat(meta: Metadata, type: ImageType) {
  if (meta.format !== DECODER[type]) throw new Refused('UNSUPPORTED_IMAGE_TYPE')
  if (type === 'avif' && meta.compression !== 'av1') throw new Refused('UNSUPPORTED_IMAGE_TYPE')
}

async function writeVariants(task: ProcessTask, largest: Pixels, renice: () => void) {
  const sizes: Size[] = []
  const timings: VariantTiming[] = []
  await mkdirPublic(path.join(task.imagesDir, hashDirOf(task.hash)))
  for (const width of planWidths(largest.info.width)) {
    const pixels = width === largest.info.width ? largest : await resized(largest, width)
    sizes.push({ width, height: pixels.info.height })
    for (const format of VARIANT_FORMATS) {
      const started = performance.now()
      const bytes = await encode(pixels, format, task.avifEffort).toBuffer()
      await writeAtomically(task.imagesDir, path.join(task.imagesDir, variantFileOf(task.hash, width, format)), bytes)
      timings.push({ format, width, seconds: (performance.now() - started) / 1000 })
      renice()
    }
  }
  return { sizes, timings }
}

const rawOf = ({ info }: Pixels) => ({ raw: { width: info.width, height: info.height, channels: info.channels } })

function resized(pixels: Pixels, width: number): Promise<Pixels> {
  return sharp(pixels.data, rawOf(pixels)).resize({ width }).raw().toBuffer({ resolveWithObject: true })
}

/** Raw pixels carry no metadata, so no EXIF, GPS or profile reaches a variant. */
function encode(pixels: Pixels, format: VariantFormat, avifEffort: number): Sharp {
  const image = sharp(pixels.data, rawOf(pixels))
  if (format === 'avif') return image.avif({ quality: 55, effort: avifEffort })
  if (format === 'webp') return image.webp({ quality: 80 })
  // JPEG has no alpha: transparent areas become white, as on the storefront's page.
  return image.flatten({ background: '#ffffff' }).jpeg({ quality: 82, mozjpeg: true })
}

/** Readers (nginx, a concurrent identical upload) see the whole file or none of it. */
async function writeAtomically(imagesDir: string, file: string, bytes: Buffer | string) {
  const tmpDir = path.join(imagesDir, '.tmp')
  await mkdir(tmpDir, { recursive: true })
  const tmp = path.join(tmpDir, randomUUID())
  try {
    await writeFile(tmp, bytes)
    await chmod(tmp, PUBLIC_FILE_MODE)
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

/**
 * The pixels are worked on by libvips's own threads ("libvips worker"), which
 * glib starts with the process's scheduling settings whatever thread asks, so
 * niceness set on this worker thread does not reach them. Setting theirs makes
 * the event loop win every contention for a core (at nice 19 an image thread
 * gets ~1.5% of a core the main thread wants) while images still use every
 * idle cycle. Linux only (/proc); threads glib starts mid-task are caught at
 * the next call.
 */
function setPixelThreadsPriority(nice: number) {
  if (process.platform !== 'linux') return
  let tids: string[]
  try {
    tids = readdirSync('/proc/self/task')
  } catch {
    return
  }
  for (const tid of tids) {
    try {
      if (!readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').startsWith('libvips')) continue
      if (os.getPriority(Number(tid)) !== nice) os.setPriority(Number(tid), nice)
    } catch {
      // The thread ended meanwhile, or raising a priority back needs privileges we lack.
    }
  }
}
