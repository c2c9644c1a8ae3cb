import type { Logger } from 'pino'
import { retryDelay, sleep } from '../bus/bus.js'

/** A failed step is tried again after 100 ms, doubling up to 5 s, until one succeeds. */
const FAILURE_BACKOFF = { baseMs: 100, maxMs: 5000 }

export interface PollLoop {
  signal: AbortSignal
  log: Logger
  /** Logged (warn) with the error when a step fails. */
  failure: string
  /** Waits until a step may run (the broker takes publishes); optional. */
  ready?(): Promise<void>
  /** One round; true: there may be more, run again at once. */
  step(): Promise<boolean>
  /** Waits after a round that found nothing more to do (the poll interval, or less). */
  idle(): Promise<void>
}

/**
 * The loop of the outbox relay and of the embedded bus's outbox reader: a step
 * at a time until the signal aborts, the next at once while there is more,
 * after idle() when there is not, after a growing back-off when one failed.
 * Resolves when the loop has stopped.
 */
export async function runPollLoop(o: PollLoop): Promise<void> {
  let failures = 0
  while (!o.signal.aborted) {
    await o.ready?.()
    if (o.signal.aborted) break
    let more: boolean
    try {
      more = await o.step()
      failures = 0
    } catch (err) {
      if (o.signal.aborted) break
      o.log.warn({ err }, o.failure)
      await sleep(retryDelay(failures++, FAILURE_BACKOFF), o.signal)
      continue
    }
    if (!more) await o.idle()
  }
}
