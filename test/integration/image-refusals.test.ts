import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { test } from 'node:test'
import { AppError } from '../../src/platform/errors.js'
import { chunked, filesUnder, heicHeader, photoJpeg, pngBomb, svgWithScript } from '../helpers/image-fixtures.js'
import { buildTestImages } from '../helpers/images-fixture.js'

const MB = 1024 * 1024

test('bad files are refused with a stable 4xx code, leave no file behind, and the same worker thread goes on', async (t) => {
  const { images, registry, dataDir } = await buildTestImages(t)
  const photo = await photoJpeg(800, 600)
  const jpegStart = photo.subarray(0, 4)
  // The pool's thread before and after: a crashed thread would come back under a new id.
  const goodTask = async (name: string) => {
    const file = path.join(dataDir, name)
    await writeFile(file, await photoJpeg(300, 200))
    const hash = name.padStart(32, '0')
    return (await images.pool.run({ file, type: 'jpeg' }, hash).done).threadId
  }
  const thread = await goodTask('aaaa')

  const cases: { name: string; bytes: Buffer; code: string; status: number }[] = [
    { name: 'plain text', bytes: Buffer.from('hello, this is not an image\n'.repeat(10)), code: 'UNSUPPORTED_IMAGE_TYPE', status: 415 },
    { name: 'an SVG with a script', bytes: svgWithScript, code: 'UNSUPPORTED_IMAGE_TYPE', status: 415 },
    { name: 'an HEIC file', bytes: heicHeader, code: 'UNSUPPORTED_IMAGE_TYPE', status: 415 },
    { name: 'an empty file', bytes: Buffer.alloc(0), code: 'UNSUPPORTED_IMAGE_TYPE', status: 415 },
    { name: 'a PNG bomb of 100k x 100k pixels in a few hundred bytes', bytes: pngBomb(), code: 'IMAGE_TOO_LARGE', status: 422 },
    { name: 'a PNG of 7000 x 6000 pixels, just over 40 MP', bytes: pngBomb(7000, 6000), code: 'IMAGE_TOO_LARGE', status: 422 },
    { name: 'a JPEG cut in half', bytes: photo.subarray(0, photo.length >> 1), code: 'INVALID_IMAGE', status: 422 },
    { name: 'a JPEG start followed by noise', bytes: Buffer.concat([jpegStart, Buffer.alloc(5000, 0x5a)]), code: 'INVALID_IMAGE', status: 422 },
    { name: 'a PNG bomb short of 40 MP whose pixels are missing', bytes: pngBomb(5000, 5000), code: 'INVALID_IMAGE', status: 422 },
  ]
  for (const c of cases) {
    await assert.rejects(images.ingest(chunked(c.bytes)), (err: AppError) => {
      assert.ok(err instanceof AppError, `${c.name}: ${String(err)}`)
      assert.deepEqual([err.code, err.status], [c.code, c.status], c.name)
      return true
    })
    assert.deepEqual(await filesUnder(images.dir).then((f) => f.filter((n) => !n.includes('0000'))), [], `${c.name}: no file left`)
  }

  assert.equal(await goodTask('bbbb'), thread, 'the same worker thread processed a good image afterwards')
  const failures = await registry.getSingleMetricAsString('image_failures_total')
  assert.match(failures, /image_failures_total\{code="UNSUPPORTED_IMAGE_TYPE"\} 4/)
  assert.match(failures, /image_failures_total\{code="IMAGE_TOO_LARGE"\} 2/)
  assert.match(failures, /image_failures_total\{code="INVALID_IMAGE"\} 3/)
})

test('an upload over the size limit is refused while it streams (413), its partial file removed', async (t) => {
  const { images, registry } = await buildTestImages(t)
  // 50 MB that starts like a JPEG, so only its size can stop it.
  const huge = Buffer.alloc(50 * MB)
  ;(await photoJpeg(64, 64)).copy(huge)
  const stream = chunked(huge, 1 * MB)
  await assert.rejects(images.ingest(stream), (err: AppError) => {
    assert.deepEqual([err.code, err.status], ['PAYLOAD_TOO_LARGE', 413])
    return true
  })
  assert.ok(stream.pulled <= 11, `stopped reading at the 10 MB limit, not at the end (${stream.pulled} chunks read)`)
  assert.deepEqual(await filesUnder(images.dir), [])
  assert.match(await registry.getSingleMetricAsString('image_failures_total'), /code="PAYLOAD_TOO_LARGE"\} 1/)

  const limited = await buildTestImages(t, { IMAGE_MAX_BYTES: String(64 * 1024) })
  const justOver = Buffer.concat([await photoJpeg(64, 64), Buffer.alloc(64 * 1024)])
  await assert.rejects(limited.images.ingest(chunked(justOver, 4096)), { code: 'PAYLOAD_TOO_LARGE' })
  assert.deepEqual(await filesUnder(limited.images.dir), [])
})

test('a file whose bytes libvips reads as another format than the sniffed one is refused', async (t) => {
  const { images, dataDir } = await buildTestImages(t)
  const file = path.join(dataDir, 'upload')
  await writeFile(file, await photoJpeg(100, 100))
  const job = images.pool.run({ file, type: 'png' }, 'c'.repeat(32))
  await assert.rejects(job.accepted, { code: 'UNSUPPORTED_IMAGE_TYPE' })
  await assert.rejects(job.done, { code: 'UNSUPPORTED_IMAGE_TYPE' })
  assert.deepEqual(await filesUnder(images.dir), [])
})
