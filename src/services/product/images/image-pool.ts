import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MessageChannel } from 'node:worker_threads'
import { Piscina } from 'piscina'
import { AppError } from '../../../platform/errors.js'
import { imageQueueFull, refusalError } from './errors.js'
import type { ImageMetrics } from './image-metrics.js'
import type { ProcessOutcome, ProcessTask, VariantTiming } from './image-worker.js'
import type { ImageManifest, Size } from './variants.js'

// The worker file sits next to this one: image-worker.ts under tsx (workers inherit
// its --import hook), image-worker.js in dist/.
const here = fileURLToPath(import.meta.url)
const WORKER_FILE = path.join(path.dirname(here), `image-worker${path.extname(here)}`)

/** What every task of a pool shares. */
export type ImageSettings = Pick<ProcessTask, 'imagesDir' | 'maxPixels' | 'avifEffort' | 'nice'>

export interface ImagePoolOptions {
  settings: ImageSettings
  /** Threads running sharp, each with one libvips thread. */
  workers: number
  /** Images that may wait for a thread; beyond, run() throws IMAGE_QUEUE_FULL. */
  queueMax: number
  metrics?: ImageMetrics
}

export interface Processed {
  manifest: ImageManifest
  timings: VariantTiming[]
  /** Wall-clock milliseconds (performance.timeOrigin based), for concurrency checks. */
  startedAt: number
  endedAt: number
  /** The worker thread that ran it (a crashed thread would be replaced by a new id). */
  threadId: number
}

export interface ImageJob {
  /** The original's size once it decoded; rejects with the file's 4xx when it did not. */
  accepted: Promise<Size>
  /** Settles when every variant is written (or with the same error as `accepted`). */
  done: Promise<Processed>
}

export interface ImagePool {
  /** False when run() would refuse: check before taking an upload in. */
  hasRoom(): boolean
  /**
   * Makes the variants of `source` under `hash`; throws IMAGE_QUEUE_FULL at once when the queue is full.
   * An aborted signal drops the task, ending its thread if it runs (its temporary files are swept later).
   */
  run(source: ProcessTask['source'], hash: string, signal?: AbortSignal): ImageJob
  /** Images waiting for a thread. */
  readonly waiting: number
  /** Lets the images being processed finish and rejects the queued ones. */
  close(): Promise<void>
}

export function createImagePool({ settings, workers, queueMax, metrics }: ImagePoolOptions): ImagePool {
  const piscina = new Piscina<ProcessTask, ProcessOutcome>({
    filename: WORKER_FILE,
    // No thread (nor sharp in memory) until the first image; an idle minute lets it go again.
    minThreads: 0,
    maxThreads: workers,
    idleTimeout: 60_000,
    // The worker thread's own work (loading sharp, passing messages) gives way to the event loop too;
    // the pixel work runs on libvips's threads, which the worker renices itself (image-worker.ts).
    niceIncrement: settings.nice,
  })
  // A thread that fails with no task of its own (while starting, say) is reported as an 'error'
  // event, which unheard would end the process: the shop must outlive its image pool. Its tasks,
  // if any, are rejected (and logged by whoever waits for them).
  piscina.on('error', () => metrics?.failures.inc({ code: 'INTERNAL' }))
  // Counted here rather than read from piscina, whose queue also holds tasks while a thread starts.
  let inFlight = 0
  const waiting = () => Math.max(0, inFlight - workers)
  const failed = (code: string) => metrics?.failures.inc({ code })

  function run(source: ProcessTask['source'], hash: string, signal?: AbortSignal): ImageJob {
    if (inFlight >= workers + queueMax) {
      failed('IMAGE_QUEUE_FULL')
      throw imageQueueFull()
    }
    inFlight++
    metrics?.queueLength.set(waiting())
    const { port1, port2 } = new MessageChannel()
    const decoded = new Promise<Size>((resolve) => port1.once('message', resolve))
    const done = piscina
      .run({ ...settings, source, hash, progress: port2 }, { transferList: [port2], ...(signal ? { signal } : {}) })
      .then((outcome) => {
        if (!outcome.ok) throw refusalError(outcome.code, settings.maxPixels)
        for (const t of outcome.timings) metrics?.variantSeconds.observe({ format: t.format, width: String(t.width) }, t.seconds)
        const { ok: _, ...processed } = outcome
        return processed
      })
      .catch((err: unknown) => {
        failed(err instanceof AppError ? err.code : 'INTERNAL')
        throw err
      })
      .finally(() => {
        port1.close()
        inFlight--
        metrics?.queueLength.set(waiting())
      })
    // A refusal settles `done` before any message: `accepted` rejects with it.
    const accepted = Promise.race([decoded, done.then(({ manifest }) => manifest)]).then(({ width, height }) => ({ width, height }))
    // Callers await one or both; a refusal seen through one must not count as unhandled on the other.
    done.catch(() => {})
    accepted.catch(() => {})
    return { accepted, done }
  }

  return {
    hasRoom: () => inFlight < workers + queueMax,
    run,
    get waiting() {
      return waiting()
    },
    // Images being processed finish (their files stay consistent); queued ones are rejected.
    close: () => piscina.close({ force: true }),
  }
}
