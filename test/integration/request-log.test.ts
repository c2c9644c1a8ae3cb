import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test, type TestContext } from 'node:test'
import { pino } from 'pino'
import { AppError } from '../../src/platform/errors.js'
import { platformServer } from '../helpers/platform-server.js'

interface Line {
  level: number
  msg: string
  status?: number
  url?: string
  reqId?: string
}

/** A server with a few routes whose log lines are collected, at the given level and slow threshold. */
async function logged(t: TestContext, env: Record<string, string>) {
  const lines: Line[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line)
      done()
    },
  })
  // The default level unless the test sets one: this test is about what it logs.
  const app = await platformServer(t, { LOG_LEVEL: 'info', ...env }, (level) => pino({ level }, sink))
  app.get('/ok', async () => ({ ok: true }))
  app.get('/refused', async () => {
    throw new AppError('SOMETHING_WRONG', 'no', 409)
  })
  app.get('/bug', async () => {
    throw new Error('a bug')
  })
  app.get('/unavailable', async (_req, reply) => reply.code(503).send({ status: 'degraded' }))
  const get = async (url: string) => (await app.inject({ method: 'GET', url })).statusCode
  return { lines, get }
}

const levels = (lines: Line[]) => lines.map((l) => pino.levels.labels[l.level])

test('at the default level a fast 2xx writes no line, a 4xx one at info, a 5xx one at error', async (t) => {
  const { lines, get } = await logged(t, {})
  for (let i = 0; i < 5; i++) assert.equal(await get('/ok'), 200)
  assert.equal(lines.length, 0, JSON.stringify(lines))

  assert.equal(await get('/refused'), 409)
  assert.deepEqual(levels(lines), ['info'])
  assert.equal(lines[0]!.status, 409)
  assert.equal(lines[0]!.url, '/refused')
  assert.ok(lines[0]!.reqId, 'the line carries the request id')

  assert.equal(await get('/no-such-route'), 404)
  assert.deepEqual(levels(lines), ['info', 'info'])

  assert.equal(await get('/unavailable'), 503)
  assert.deepEqual(levels(lines), ['info', 'info', 'error'])
})

test('a 5xx from a thrown error is logged once, by the error handler with the error', async (t) => {
  const { lines, get } = await logged(t, {})
  assert.equal(await get('/bug'), 500)
  assert.equal(lines.length, 1, JSON.stringify(lines))
  assert.equal(levels(lines)[0], 'error')
  assert.match(JSON.stringify(lines[0]), /a bug/)
})

test('a request at or above LOG_SLOW_REQUEST_MS is logged at warn, once, whatever its status', async (t) => {
  // 0 ms makes every request slow: no timing in the test.
  const { lines, get } = await logged(t, { LOG_SLOW_REQUEST_MS: '0' })
  assert.equal(await get('/ok'), 200)
  assert.equal(await get('/refused'), 409)
  assert.deepEqual(levels(lines), ['warn', 'warn'])
  assert.deepEqual(
    lines.map((l) => [l.msg, l.status]),
    [
      ['slow request', 200],
      ['slow request', 409],
    ],
  )
})

test('LOG_LEVEL=debug gives one access-log line per request', async (t) => {
  const { lines, get } = await logged(t, { LOG_LEVEL: 'debug' })
  assert.equal(await get('/ok'), 200)
  assert.equal(await get('/ok'), 200)
  const requests = lines.filter((l) => l.url === '/ok')
  assert.deepEqual(levels(requests), ['debug', 'debug'])
})
