import { existsSync } from 'node:fs'
import { buildApp } from './app.js'
import { ConfigError } from './platform/config.js'
import { serve } from './platform/serve.js'

/**
 * `node dist/main.js <service>|all` (or `tsx src/main.ts ...`): one service, as
 * PM2 runs it in production, or all of them in one process (the embedded shop).
 */
async function main() {
  const which = process.argv[2] ?? 'all'
  if (existsSync('.env')) process.loadEnvFile('.env')
  const started = Date.now()
  const built = await buildApp({ services: which })
  const { app, lifecycle, deps, config } = built
  await serve(app, lifecycle, {
    host: config.HOST,
    port: config.PORT,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    keepAliveGraceMs: config.SHUTDOWN_KEEPALIVE_GRACE_MS ?? (config.PROFILE === 'production' ? 5000 : 0),
    beforeClose: () => built.stopWorkers(),
    closeDeps: () => deps.close(),
  })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.PORT
  app.log.info({ ms: Date.now() - started, services: built.services.map((s) => s.name) }, `Emporium listening on http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`)
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    // One line naming every bad variable, then a non-zero exit: fail fast at boot.
    console.error(`emporium: ${err.message}`)
  } else {
    console.error('emporium: failed to start:', err)
  }
  process.exit(1)
})
