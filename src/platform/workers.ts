import type { Logger } from 'pino'
import type { Stopper } from './bus/bus.js'
import type { Worker } from './service.js'

/**
 * Runs a job every everyMs (the timer does not hold the process open); a run
 * still going when the next is due is not started twice. A failure is logged
 * and the next run tries again. The returned function stops the timer, aborts
 * the run's signal (a job whose work can be redone later, such as a demo
 * picture, gives up instead of holding the shutdown) and waits for the run.
 */
export function startPeriodic(job: { name: string; everyMs: number; log: Logger; run: (signal: AbortSignal) => Promise<void> }): Stopper {
  let running: Promise<void> | undefined
  const stopping = new AbortController()
  const timer = setInterval(() => {
    running ??= job
      .run(stopping.signal)
      .catch((err: unknown) => {
        if (!stopping.signal.aborted) job.log.error({ err, job: job.name }, 'background job failed')
      })
      .finally(() => {
        running = undefined
      })
  }, job.everyMs)
  timer.unref()
  return async () => {
    clearInterval(timer)
    stopping.abort()
    await running
  }
}

const ORDER: Worker['kind'][] = ['consumer', 'job', 'relay']

/**
 * Starts the background workers of the services in this process: consumers
 * first (their queues exist before the first publish), then the periodic jobs,
 * then the outbox relays. Returns what stops them all, in reverse order, once.
 */
export async function startWorkers(workers: readonly Worker[], log: Logger): Promise<{ started: string[]; stop: Stopper }> {
  const stoppers: Stopper[] = []
  const started: string[] = []
  const stop = async () => {
    for (const s of stoppers.splice(0).reverse()) await s().catch((err: unknown) => log.error({ err }, 'stopping a worker failed'))
  }
  try {
    for (const kind of ORDER) {
      for (const w of workers.filter((w) => w.kind === kind)) {
        stoppers.push(await w.start())
        started.push(w.name)
      }
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { started, stop }
}
