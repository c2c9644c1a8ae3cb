import { existsSync } from 'node:fs'
import { buildApp } from './app.js'
import { ConfigError } from './platform/config.js'
import { serve } from './platform/serve.js'
import { buildStorefrontApp } from './storefront/server.js'

/**
 * `node dist/main.js <service>|storefront|all` (or `tsx src/main.ts ...`): one
 * service or the storefront, as PM2 runs them in production, or all of them in
 * one process (the embedded shop).
 */
async function main() {
  const which = process.argv[2] ?? 'all'
  if (existsSync('.env')) process.loadEnvFile('.env')
  const started = Date.now()
  const built = which === 'storefront' ? await storefrontProcess() : await servicesProcess(which)
  const { app, config } = built
  await serve(app, built.lifecycle, {
    host: config.HOST,
    port: config.PORT,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    keepAliveGraceMs: config.SHUTDOWN_KEEPALIVE_GRACE_MS ?? (config.PROFILE === 'production' ? 5000 : 0),
    beforeClose: built.beforeClose,
    closeDeps: built.closeDeps,
  })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.PORT
  app.log.info({ ms: Date.now() - started, services: built.names }, `Emporium listening on http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`)
}

async function servicesProcess(which: string) {
  const built = await buildApp({ services: which })
  return { ...built, names: built.services.map((s) => s.name), beforeClose: () => built.stopWorkers(), closeDeps: () => built.deps.close() }
}

/** The storefront apart from the services: it has no workers and no pools of its own. */
async function storefrontProcess() {
  const built = await buildStorefrontApp()
  return { ...built, names: ['storefront'], beforeClose: async () => {}, closeDeps: async () => {} }
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
