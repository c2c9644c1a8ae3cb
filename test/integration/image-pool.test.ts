import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import type { ImageJob } from '../../src/services/product/images/image-pool.js'
import { until } from '../helpers/events.js'
import { chunked, filesUnder, photoJpeg } from '../helpers/image-fixtures.js'
import { buildTestImages } from '../helpers/images-fixture.js'

const run = promisify(execFile)

async function pipelineWithPhoto(t: Parameters<typeof buildTestImages>[0], env: Record<string, string>) {
  const built = await buildTestImages(t, env)
  const file = path.join(built.dataDir, 'photo.jpg')
  await writeFile(file, await photoJpeg(640, 400))
  const { images } = built
  const start = (n: number): ImageJob => images.pool.run({ file, type: 'jpeg' }, String(n).padStart(32, '0'))
  return { ...built, start }
}

/** The largest number of jobs whose [startedAt, endedAt] intervals overlap at one instant. */
function maxOverlap(intervals: { startedAt: number; endedAt: number }[]): number {
  const events = intervals.flatMap((i) => [[i.startedAt, 1] as const, [i.endedAt, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let now = 0
  let max = 0
  for (const [, delta] of events) max = Math.max(max, (now += delta))
  return max
}

test('beyond its queue limit the pool refuses at once with 503 IMAGE_QUEUE_FULL, and takes images again once it drains', async (t) => {
  const { images, registry, start } = await pipelineWithPhoto(t, { IMAGE_WORKERS: '1', IMAGE_QUEUE_MAX: '1' })
  const running = start(1)
  const queued = start(2)
  assert.equal(images.pool.waiting, 1)
  assert.match(await registry.getSingleMetricAsString('image_queue_length'), /image_queue_length 1/)
  assert.throws(() => start(3), (err: { code: string; status: number; headers: Record<string, string> }) => {
    assert.deepEqual([err.code, err.status, err.headers['retry-after']], ['IMAGE_QUEUE_FULL', 503, '5'])
    return true
  })
  const upload = chunked(await photoJpeg(100, 100))
  await assert.rejects(images.ingest(upload), { code: 'IMAGE_QUEUE_FULL' })
  assert.equal(upload.pulled, 0, 'an upload is refused before any of it is read')

  await Promise.all([running.done, queued.done])
  assert.match(await registry.getSingleMetricAsString('image_queue_length'), /image_queue_length 0/)
  assert.match(await registry.getSingleMetricAsString('image_failures_total'), /code="IMAGE_QUEUE_FULL"\} 2/)
  await start(4).done
})

test('with IMAGE_WORKERS=1 images are processed one at a time, on one thread', async (t) => {
  const { start } = await pipelineWithPhoto(t, { IMAGE_WORKERS: '1' })
  const done = await Promise.all([1, 2, 3].map((n) => start(n).done))
  assert.equal(maxOverlap(done), 1)
  assert.equal(new Set(done.map((d) => d.threadId)).size, 1)
})

test('with IMAGE_WORKERS=2 no more than two images are processed at once', async (t) => {
  const { start } = await pipelineWithPhoto(t, { IMAGE_WORKERS: '2' })
  const done = await Promise.all([1, 2, 3, 4, 5].map((n) => start(n).done))
  assert.ok(maxOverlap(done) <= 2, `overlap ${maxOverlap(done)}`)
  assert.ok(new Set(done.map((d) => d.threadId)).size <= 2)
})

test('the threads that work on pixels run at IMAGE_THREAD_NICE, below the event loop', async (t) => {
  const { start, config } = await pipelineWithPhoto(t, {})
  assert.equal(config.IMAGE_THREAD_NICE, 19)
  await start(1).done
  const pixelThreads = readdirSync('/proc/self/task').filter((tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').startsWith('libvips'))
  assert.ok(pixelThreads.length > 0, 'libvips runs its own threads')
  assert.deepEqual(new Set(pixelThreads.map((tid) => os.getPriority(Number(tid)))), new Set([19]))
  assert.equal(os.getPriority(process.pid), 0, 'the event loop keeps its priority')
})

test('the compiled pipeline (tsc, as npm run build) loads its worker from .js files without tsx', async (t) => {
  const root = process.cwd()
  const dir = await mkdtemp(path.join(tmpdir(), 'emporium-images-build-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const images = path.join(root, 'src/services/product/images')
  await writeFile(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: path.join(root, 'tsconfig.build.json'),
      compilerOptions: { outDir: path.join(dir, 'dist'), rootDir: path.join(root, 'src'), sourceMap: false, typeRoots: [path.join(root, 'node_modules/@types')] },
      include: [],
      files: [path.join(images, 'images.ts'), path.join(images, 'image-worker.ts')],
    }),
  )
  await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')])
  await symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'))
  const script = path.join(dir, 'run.mjs')
  await writeFile(
    script,
    `import { createReadStream } from 'node:fs'
     import { Registry } from 'prom-client'
     import { createImages } from './dist/services/product/images/images.js'
     const images = createImages({ DATA_DIR: ${JSON.stringify(dir)}, IMAGES_BASE_URL: '/images', IMAGE_WORKERS: 1, IMAGE_QUEUE_MAX: 1,
       IMAGE_MAX_BYTES: 1e7, IMAGE_MAX_PIXELS: 4e7, IMAGE_AVIF_EFFORT: 2, IMAGE_THREAD_NICE: 10 }, new Registry())
     const accepted = await images.ingest(createReadStream(process.argv[2]))
     console.log(JSON.stringify(await accepted.done))
     await images.close()`,
  )
  const photo = path.join(dir, 'photo.jpg')
  await writeFile(photo, await photoJpeg(640, 480))
  // Plain node: no --import tsx, so a .ts worker could not load.
  const { stdout, stderr } = await run(process.execPath, [script, photo], { cwd: dir }).catch((err: { stdout: string; stderr: string }) => {
    throw new Error(`the compiled pipeline failed:\n${err.stdout}\n${err.stderr}`)
  })
  assert.deepEqual(JSON.parse(stdout).sizes, [
    { width: 200, height: 150 },
    { width: 600, height: 450 },
    { width: 640, height: 480 },
  ], stderr)
})

test('closing lets the image being processed finish and rejects the queued one, leaving no upload behind', async (t) => {
  const { images } = await buildTestImages(t, { IMAGE_WORKERS: '1' })
  // Two different images, both received before either is processed, then handed to the pool in one
  // tick: the second waits for the one thread whatever the machine's load (received one after the
  // other, the first could finish before the second arrived, and nothing would ever wait).
  const [first, second] = await Promise.all([images.receive(chunked(await photoJpeg(640, 400))), images.receive(chunked(await photoJpeg(600, 400)))])
  const running = images.process(first)
  const queued = images.process(second)
  queued.catch(() => {})
  const accepted = await running // decoded in the thread: it is being processed
  await until('the second image waits for the thread', () => images.pool.waiting === 1 || undefined)
  await images.close()
  assert.equal((await accepted.done).sizes.length, 3)
  await assert.rejects(queued)
  assert.deepEqual(await filesUnder(path.join(images.dir, '.incoming')), [])
})

test('a task whose signal is aborted while it runs is dropped (a stop does not wait for a demo picture); the pool goes on serving', async (t) => {
  const built = await buildTestImages(t, { IMAGE_WORKERS: '1' })
  const file = path.join(built.dataDir, 'big.jpg')
  await writeFile(file, await photoJpeg(4000, 3000))
  const stop = new AbortController()
  const hash = 'a'.repeat(32)
  const job = built.images.pool.run({ file, type: 'jpeg' }, hash, stop.signal)
  await job.accepted
  stop.abort()
  await assert.rejects(job.done, { name: 'AbortError' })
  assert.equal(await built.images.findManifest(hash), undefined, 'no image is left announced')
  const next = built.images.pool.run({ file, type: 'jpeg' }, 'b'.repeat(32))
  assert.ok((await next.done).manifest.sizes.length > 0)
})
