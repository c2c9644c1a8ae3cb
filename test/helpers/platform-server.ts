import type { TestContext } from 'node:test'
import { Type } from '@sinclair/typebox'
import { pino, type Logger } from 'pino'
import { loadConfig } from '../../src/platform/config.js'
import { createMetrics } from '../../src/platform/metrics.js'
import { createServer, type App } from '../../src/platform/server.js'

/** The platform's HTTP server alone (no service), with the given settings; closed when the test ends. */
export async function platformServer(t: Pick<TestContext, 'after'>, env: Record<string, string> = {}, logger?: (level: string) => Logger): Promise<App> {
  const config = loadConfig(Type.Object({}), { LOG_LEVEL: 'silent', ...env })
  const { app } = await createServer({
    name: 'platform-test',
    config,
    logger: logger ? logger(config.LOG_LEVEL) : pino({ level: 'silent' }),
    metrics: createMetrics('platform-test', { defaultMetrics: false }),
    checks: [],
  })
  t.after(() => app.close())
  return app
}
