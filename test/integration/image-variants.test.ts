import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import sharp from 'sharp'
import { sweepLeftovers } from '../../src/services/product/images/image-files.js'
import { hashDirOf, variantFileOf, VARIANT_FORMATS } from '../../src/services/product/images/variants.js'
import { chunked, filesUnder, photoJpeg, transparentPng } from '../helpers/image-fixtures.js'
import { buildTestImages } from '../helpers/images-fixture.js'

const DECODED_AS = { avif: 'heif', webp: 'webp', jpeg: 'jpeg' } as const

test('an upload becomes AVIF, WebP and JPEG at 200, 600 and 1200 px, turned upright, with no EXIF left', async (t) => {
  const { images } = await buildTestImages(t)
  // Stored 2400 x 1500, shown 1500 x 2400 (EXIF orientation 6: rotate 90 degrees clockwise).
  const upload = await photoJpeg(2400, 1500, 6)
  const original = await sharp(upload).metadata()
  assert.equal(original.orientation, 6)
  assert.ok(original.exif, 'the upload carries EXIF to strip')

  const accepted = await images.ingest(chunked(upload))
  assert.deepEqual({ width: accepted.width, height: accepted.height }, { width: 1500, height: 2400 })
  const manifest = await accepted.done
  assert.deepEqual(manifest.sizes, [
    { width: 200, height: 320 },
    { width: 600, height: 960 },
    { width: 1200, height: 1920 },
  ])
  for (const { width, height } of manifest.sizes) {
    for (const format of VARIANT_FORMATS) {
      const file = path.join(images.dir, variantFileOf(accepted.hash, width, format))
      const meta = await sharp(file).metadata()
      assert.equal(meta.format, DECODED_AS[format], file)
      assert.deepEqual([meta.width, meta.height], [width, height], file)
      assert.equal(meta.exif, undefined, `${file} has no EXIF`)
      assert.equal(meta.orientation, undefined, `${file} has no orientation tag`)
      assert.equal(meta.space, 'srgb', file)
      assert.ok(!(await readFile(file)).includes('Private Person'), `${file} does not carry the copyright text`)
    }
  }
  assert.deepEqual(await images.findManifest(accepted.hash), manifest)
  assert.deepEqual(await filesUnder(path.join(images.dir, '.incoming')), [], 'the upload itself is gone')
})

test('a small original is never upscaled: it gives its own width in place of the larger sizes', async (t) => {
  const { images } = await buildTestImages(t)
  const medium = await (await images.ingest(chunked(await photoJpeg(500, 300)))).done
  assert.deepEqual(medium.sizes, [
    { width: 200, height: 120 },
    { width: 500, height: 300 },
  ])
  const tiny = await images.ingest(chunked(await photoJpeg(150, 90)))
  assert.deepEqual((await tiny.done).sizes, [{ width: 150, height: 90 }])
  assert.deepEqual((await filesUnder(images.dir)).filter((f) => f.includes(tiny.hash)).sort(), [
    `${tiny.hash.slice(0, 2)}/${tiny.hash}/150.avif`,
    `${tiny.hash.slice(0, 2)}/${tiny.hash}/150.jpg`,
    `${tiny.hash.slice(0, 2)}/${tiny.hash}/150.webp`,
    `${tiny.hash.slice(0, 2)}/${tiny.hash}/manifest.json`,
  ])
})

test('transparency is kept in WebP and AVIF and flattened onto white in the JPEG', async (t) => {
  const { images } = await buildTestImages(t)
  const accepted = await images.ingest(chunked(await transparentPng(300, 300)))
  await accepted.done
  const at = (format: 'avif' | 'webp' | 'jpeg') => path.join(images.dir, variantFileOf(accepted.hash, 200, format))
  assert.equal((await sharp(at('webp')).metadata()).hasAlpha, true)
  assert.equal((await sharp(at('avif')).metadata()).hasAlpha, true)
  assert.equal((await sharp(at('jpeg')).metadata()).hasAlpha, false)
  const { dominant } = await sharp(at('jpeg')).stats()
  // 50% red over white, not over black.
  assert.ok(dominant.g > 100 && dominant.b > 100, `JPEG background is light: ${JSON.stringify(dominant)}`)
})

test('identical uploads share one set of files, made once', async (t) => {
  const { images, registry } = await buildTestImages(t)
  const upload = await photoJpeg(700, 400)
  const first = await images.ingest(chunked(upload))
  await first.done
  const file = path.join(images.dir, variantFileOf(first.hash, 600, 'avif'))
  const written = (await stat(file)).mtimeMs
  const second = await images.ingest(chunked(upload))
  assert.equal(second.hash, first.hash)
  assert.deepEqual(await second.done, await first.done)
  assert.equal((await stat(file)).mtimeMs, written, 'not written again')
  const encoded = (await registry.getSingleMetricAsString('image_variant_duration_seconds')).match(/_count\{[^}]*format="avif",width="600"[^}]*\} (\d+)/)
  assert.equal(encoded?.[1], '1', 'the 600 px AVIF was encoded once')
})

test('content received again after its files were removed is processed again, not taken for stored', async (t) => {
  const { images } = await buildTestImages(t)
  const upload = await photoJpeg(300, 200)
  const first = await images.process(await images.receive(chunked(upload)))
  await first.done
  const again = await images.receive(chunked(upload))
  // What a concurrent deletion of the last reference does between the two steps.
  await images.removeFiles(again.hash)
  const second = await images.process(again)
  assert.deepEqual(await second.done, await first.done)
  assert.ok(await images.findManifest(again.hash), 'the files are back')
  assert.deepEqual(await filesUnder(path.join(images.dir, '.incoming')), [])
})

test('different files get different addresses, and removing one leaves the other', async (t) => {
  const { images } = await buildTestImages(t)
  const a = await images.ingest(chunked(await photoJpeg(300, 200)))
  const b = await images.ingest(chunked(await photoJpeg(300, 200)))
  await Promise.all([a.done, b.done])
  assert.notEqual(a.hash, b.hash)
  await images.removeFiles(a.hash)
  assert.equal(await images.findManifest(a.hash), undefined)
  assert.deepEqual((await filesUnder(images.dir)).filter((f) => f.includes(a.hash)), [])
  assert.ok(await images.findManifest(b.hash))
})

test('uploads and temporary files a crash left behind are swept once they are an hour old', async (t) => {
  const { images } = await buildTestImages(t)
  const old = new Date(Date.now() - 2 * 60 * 60 * 1000)
  for (const sub of ['.incoming', '.tmp']) {
    await mkdir(path.join(images.dir, sub), { recursive: true })
    await writeFile(path.join(images.dir, sub, 'old'), 'x')
    await utimes(path.join(images.dir, sub, 'old'), old, old)
    await writeFile(path.join(images.dir, sub, 'live'), 'x')
  }
  assert.equal(await sweepLeftovers(images.dir), 2)
  assert.deepEqual((await filesUnder(images.dir)).sort(), ['.incoming/live', '.tmp/live'])
})

test('variants are readable by other users (nginx’s workers serve them) even under umask 077, as in the embedded mode', async (t) => {
  const previous = process.umask(0o077)
  t.after(() => void process.umask(previous))
  const { images } = await buildTestImages(t, { IMAGES_DIR: path.join(await mkdtemp(path.join(tmpdir(), 'emporium-public-')), 'images') })
  t.after(() => rm(path.dirname(images.dir), { recursive: true, force: true }))
  const accepted = await images.ingest(chunked(await photoJpeg(300, 200)))
  await accepted.done
  const mode = async (p: string) => (await stat(path.join(images.dir, p))).mode & 0o777
  assert.equal(await mode('.'), 0o755, 'IMAGES_DIR')
  assert.equal(await mode(accepted.hash.slice(0, 2)), 0o755)
  assert.equal(await mode(hashDirOf(accepted.hash)), 0o755)
  const files = (await filesUnder(images.dir)).filter((f) => f.includes(accepted.hash))
  assert.equal(files.length, 7, files.join(', '))
  for (const file of files) assert.equal(await mode(file), 0o644, file)
})
