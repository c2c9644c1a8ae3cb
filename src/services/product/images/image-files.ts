import { createHash, randomUUID } from 'node:crypto'
import { chmod, mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { imageFileTooLarge, unsupportedImageType } from './errors.js'
import { SNIFF_BYTES, sniffImageType, type ImageType } from './image-type.js'
import { hashDirOf, MANIFEST_FILE, type ImageManifest } from './variants.js'

/**
 * The images directory on disk: uploads arrive in .incoming/, variants are
 * renamed into <aa>/<hash>/ from .tmp/ (same file system, so renames are
 * atomic). Local disk shared by the instances; nginx serves it in production.
 */

export interface ReceivedUpload {
  /** In .incoming/; the caller removes it once processed. */
  path: string
  /** Content address: the first 128 bits of the SHA-256 of the bytes, hex. */
  hash: string
  bytes: number
  type: ImageType
}

/**
 * Variants are public, and in production another user reads them (nginx's workers run as
 * www-data): their modes must not depend on the umask of whoever started the service
 * (077 in the embedded mode, which opens its database under it). The umask applies to a
 * mode given at creation, hence the chmod.
 */
const PUBLIC_DIR_MODE = 0o755
export const PUBLIC_FILE_MODE = 0o644

/** Makes dir and its missing parents world-readable; directories that were there keep their modes. */
export async function mkdirPublic(dir: string) {
  const first = await mkdir(dir, { recursive: true })
  if (first === undefined) return
  for (let made = dir; ; made = path.dirname(made)) {
    await chmod(made, PUBLIC_DIR_MODE)
    if (made === first || made === path.dirname(made)) break
  }
}

export const contentHash = (hash: ReturnType<typeof createHash>) => hash.digest('hex').slice(0, 32)

/**
 * Streams an upload to disk, hashing it on the way. Refuses a non-image from
 * its first bytes and an oversized file as soon as it passes the limit; a
 * refused or broken upload leaves no file behind.
 */
export async function receiveUpload(source: AsyncIterable<Uint8Array>, imagesDir: string, maxBytes: number): Promise<ReceivedUpload> {
  const dir = path.join(imagesDir, '.incoming')
  await mkdirPublic(imagesDir)
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, randomUUID())
  const handle = await open(file, 'wx')
  const hash = createHash('sha256')
  let bytes = 0
  let head = Buffer.alloc(0)
  let type: ImageType | undefined
  try {
    for await (const chunk of source) {
      bytes += chunk.length
      if (bytes > maxBytes) throw imageFileTooLarge(maxBytes)
      if (!type && head.length < SNIFF_BYTES) {
        head = Buffer.concat([head, chunk]).subarray(0, SNIFF_BYTES)
        if (head.length === SNIFF_BYTES) type = sniffed(head)
      }
      hash.update(chunk)
      await handle.write(chunk)
    }
    type ??= sniffed(head)
    await handle.close()
    return { path: file, hash: contentHash(hash), bytes, type }
  } catch (err) {
    await handle.close().catch(() => {})
    await rm(file, { force: true })
    throw err
  }
}

function sniffed(head: Buffer): ImageType {
  const type = sniffImageType(head)
  if (!type) throw unsupportedImageType()
  return type
}

/** The finished variants of a hash, or undefined while (or if never) processed. */
export async function findManifest(imagesDir: string, hash: string): Promise<ImageManifest | undefined> {
  try {
    return JSON.parse(await readFile(path.join(imagesDir, hashDirOf(hash), MANIFEST_FILE), 'utf8')) as ImageManifest
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/**
 * Removes every file of a hash. Files are shared by identical uploads: call it
 * only when no image row references the hash any more (the product service
 * knows; it checks under a lock on the hash, after the delete commits).
 */
export async function removeImageFiles(imagesDir: string, hash: string): Promise<void> {
  await rm(path.join(imagesDir, hashDirOf(hash)), { recursive: true, force: true })
}

/** Uploads and temporary files a crash left behind; old enough that no live upload owns them. */
export async function sweepLeftovers(imagesDir: string, olderThanMs = 60 * 60 * 1000): Promise<number> {
  let removed = 0
  for (const sub of ['.incoming', '.tmp']) {
    const dir = path.join(imagesDir, sub)
    const names = await readdir(dir).catch(() => [] as string[])
    for (const name of names) {
      const file = path.join(dir, name)
      const info = await stat(file).catch(() => undefined)
      if (info && Date.now() - info.mtimeMs > olderThanMs) {
        await rm(file, { force: true })
        removed++
      }
    }
  }
  return removed
}
