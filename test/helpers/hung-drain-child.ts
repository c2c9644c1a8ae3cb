/**
 * A server process whose drain cannot finish by itself: GET /hang never answers
 * and closing its dependencies never completes (a pool stuck on a dead server,
 * holding a timer). Prints "listening <port>" when up. HANG=request|close|both.
 */
import { Type } from '@sinclair/typebox'
import { pino } from 'pino'
import { loadConfig } from '../../src/platform/config.js'
import { createMetrics } from '../../src/platform/metrics.js'
import { serve } from '../../src/platform/serve.js'
import { createServer } from '../../src/platform/server.js'

const hang = process.env.HANG ?? 'both'
const config = loadConfig(Type.Object({}), { LOG_LEVEL: 'silent' })
const { app, lifecycle } = await createServer({
  name: 'hung-drain',
  config,
  logger: pino({ level: 'warn' }),
  metrics: createMetrics('hung-drain', { defaultMetrics: false }),
  checks: [],
})
app.get('/hang', () => new Promise(() => {}))
await serve(app, lifecycle, {
  host: '127.0.0.1',
  port: 0,
  shutdownTimeoutMs: Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 1000),
  closeDeps: () => (hang === 'request' ? Promise.resolve() : new Promise(() => void setInterval(() => {}, 1000))),
})
console.log(`listening ${(app.server.address() as { port: number }).port}`)
