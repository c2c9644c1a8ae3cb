import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pino } from 'pino'
import { startPeriodic } from '../../src/platform/workers.js'

test('stopping a periodic job aborts the signal of its run and waits for the run to end', async () => {
  let started!: () => void
  const running = new Promise<void>((resolve) => (started = resolve))
  let sawAbort = false
  // The job's timer does not hold the process open (unref): this test does, until it is done.
  const alive = setInterval(() => {}, 1000)
  const stop = startPeriodic({
    name: 'long',
    everyMs: 10,
    log: pino({ level: 'silent' }),
    run: (signal) => {
      started()
      // Work that only ends when told to stop, as a demo picture abandoned by a shutdown.
      return new Promise<void>((_, reject) => signal.addEventListener('abort', () => ((sawAbort = true), reject(signal.reason))))
    },
  })
  await running
  await stop()
  clearInterval(alive)
  assert.equal(sawAbort, true)
})
