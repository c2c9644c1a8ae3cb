import assert from 'node:assert/strict'
import http from 'node:http'
import { test } from 'node:test'
import { Type } from '@sinclair/typebox'
import { pino } from 'pino'
import { loadConfig } from '../../src/platform/config.js'
import { createMetrics } from '../../src/platform/metrics.js'
import { serve } from '../../src/platform/serve.js'
import { createServer } from '../../src/platform/server.js'
import { startChild } from '../helpers/children.js'

function request(port: number, path: string, agent: http.Agent) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
      })
      .on('error', reject)
  })
}

test('shutdown answers in-flight requests, refuses new connections, closes pools and exits 0', async () => {
  const config = loadConfig(Type.Object({}), { LOG_LEVEL: 'silent' })
  const { app, lifecycle } = await createServer({
    name: 'drain-test',
    config,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics('drain-test', { defaultMetrics: false }),
    checks: [],
  })
  app.get('/slow', async () => {
    await new Promise((r) => setTimeout(r, 400))
    return { done: true }
  })
  let depsClosed = false
  let exitCode: number | undefined
  const { shutdown } = await serve(app, lifecycle, {
    host: '127.0.0.1',
    port: 0,
    shutdownTimeoutMs: 5000,
    closeDeps: async () => void (depsClosed = true),
    exit: (code) => void (exitCode = code),
  })
  const port = (app.server.address() as { port: number }).port
  const agent = new http.Agent({ keepAlive: true })
  assert.equal((await request(port, '/health', agent)).status, 200)

  const inflight = request(port, '/slow', agent)
  await new Promise((r) => setTimeout(r, 100))
  const started = Date.now()
  const stopping = shutdown('test')
  assert.equal(lifecycle.draining, true)
  const res = await inflight
  assert.equal(res.status, 200)
  assert.deepEqual(JSON.parse(res.body), { done: true })
  assert.equal(res.headers.connection, 'close')
  await stopping
  // Drained by closing the connection, not by the 5 s force timeout.
  assert.ok(Date.now() - started < 4000, `drained in ${Date.now() - started} ms`)
  assert.equal(depsClosed, true)
  assert.equal(exitCode, 0)
  await assert.rejects(request(port, '/health', new http.Agent()), /ECONNREFUSED/)
  agent.destroy()
})

for (const hang of ['request', 'close', 'both'] as const) {
  test(`the drain ends: a process with a hung ${hang === 'both' ? 'request and dependency close' : hang === 'request' ? 'request' : 'dependency close'} exits 1 within SHUTDOWN_TIMEOUT_MS`, async () => {
    const timeoutMs = 1000
    const child = startChild('test/helpers/hung-drain-child.ts', { HANG: hang, SHUTDOWN_TIMEOUT_MS: String(timeoutMs) }, 'listening ')
    try {
      await child.ready
      const port = Number(/listening (\d+)/.exec(child.output())![1])
      const hung = fetch(`http://127.0.0.1:${port}/hang`).then(
        () => 'answered',
        () => 'cut',
      )
      // The request has reached the route before the signal.
      await new Promise((r) => setTimeout(r, 200))
      const started = Date.now()
      child.process.kill('SIGTERM')
      const code = await Promise.race([child.exited, new Promise((r) => setTimeout(() => r('still running'), timeoutMs + 4000))])
      const ms = Date.now() - started
      assert.equal(code, 1, `exit ${String(code)} after ${ms} ms: ${child.output()}`)
      assert.ok(ms < timeoutMs + 1500, `exited ${ms} ms after SIGTERM`)
      assert.equal(await hung, 'cut')
    } finally {
      await child.kill()
    }
  })
}

test('with a keep-alive grace, an idle connection a proxy holds is answered (Connection: close) during the drain instead of being closed under it', async () => {
  const config = loadConfig(Type.Object({}), { LOG_LEVEL: 'silent' })
  const { app, lifecycle } = await createServer({ name: 'grace-test', config, logger: pino({ level: 'silent' }), metrics: createMetrics('grace-test', { defaultMetrics: false }), checks: [] })
  app.get('/ping', async () => ({ pong: true }))
  let exitCode: number | undefined
  const { shutdown } = await serve(app, lifecycle, {
    host: '127.0.0.1',
    port: 0,
    shutdownTimeoutMs: 20_000,
    keepAliveGraceMs: 6000,
    closeDeps: async () => {},
    exit: (code) => void (exitCode = code),
  })
  const port = (app.server.address() as { port: number }).port
  // One pooled connection, as nginx keeps to an upstream: idle when the drain starts.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  assert.equal((await request(port, '/ping', agent)).headers.connection, 'keep-alive')
  const started = Date.now()
  const stopping = shutdown('test')
  await new Promise((r) => setTimeout(r, 300))
  // Without the grace this connection was closed at once: a request sent on it now would be reset.
  const during = await request(port, '/ping', agent)
  assert.equal(during.status, 200)
  assert.equal(during.headers.connection, 'close', 'the proxy drops the connection after this answer')
  await assert.rejects(request(port, '/ping', new http.Agent()), /ECONNREFUSED/, 'no new connection is accepted')
  await stopping
  assert.equal(exitCode, 0)
  assert.ok(Date.now() - started < 4000, `the drain ended once the last connection closed (${Date.now() - started} ms), not at the end of the grace`)
  agent.destroy()
})
