import { Type } from '@sinclair/typebox'
import { pino, type DestinationStream } from 'pino'
import { tokenVerifierConfig } from '../platform/auth/config.js'
import { ConfigError, loadConfig } from '../platform/config.js'
import { loggerOptions } from '../platform/logger.js'
import { createMetrics } from '../platform/metrics.js'
import { peerLivenessCheck, peerUrlSetting } from '../platform/peers.js'
import { waitForPeers } from '../platform/profile.js'
import { createServer, type App, type Lifecycle } from '../platform/server.js'
import { createHttpApiClient } from './api-client.js'
import { API_PEERS, serviceBases, type ApiPeer } from './api-routes.js'
import { storefrontConfig, storefrontProductionProblems } from './config.js'
import { storefront } from './index.js'

export interface StorefrontApp {
  app: App
  lifecycle: Lifecycle
  config: { HOST: string; PORT: number; PROFILE: string; SHUTDOWN_TIMEOUT_MS: number; SHUTDOWN_KEEPALIVE_GRACE_MS?: number | undefined }
}

/**
 * The storefront as its own process (`node dist/main.js storefront`, the
 * `storefront` PM2 app behind nginx): the platform's server (security headers,
 * request ids, health, graceful drain) with only the storefront's pages on it.
 * It holds no data of its own: every page is made from the services' public
 * routes, called on loopback (api-routes.ts), or from STOREFRONT_API_URL when set.
 */
export async function buildStorefrontApp(env: NodeJS.ProcessEnv = process.env, options: { logDestination?: DestinationStream } = {}): Promise<StorefrontApp> {
  const config = loadConfig(Type.Composite([tokenVerifierConfig, storefrontConfig]), env)
  if (config.PROFILE === 'production') {
    const problems = storefrontProductionProblems(env)
    if (problems.length) throw new ConfigError(problems)
  }
  const logger = pino(loggerOptions(config, 'storefront'), options.logDestination)
  const urls = Object.fromEntries(API_PEERS.map((peer) => [peer, env[peerUrlSetting(peer)]])) as Record<ApiPeer, string | undefined>
  const direct = !config.STOREFRONT_API_URL
  if (direct) {
    const missing = API_PEERS.filter((peer) => !urls[peer])
    if (missing.length) throw new ConfigError(missing.map((peer) => `${peerUrlSetting(peer)} is required: the storefront runs apart and calls the ${peer} service (or set STOREFRONT_API_URL)`))
    // The services may be starting too: a bounded wait, then the start stops naming the one that does not answer.
    if (config.PROFILE === 'production') await waitForPeers(config, API_PEERS, logger)
  }
  const checks = direct ? API_PEERS.map((peer) => peerLivenessCheck(peer, urls[peer])) : []
  const { app, lifecycle } = await createServer({ name: 'storefront', config, logger, metrics: createMetrics('storefront'), checks })
  const api = direct ? createHttpApiClient(serviceBases(urls as Record<ApiPeer, string>), config.STOREFRONT_API_TIMEOUT_MS) : undefined
  await app.register(storefront, { env, ...(api ? { api } : {}) })
  await app.ready()
  return { app, lifecycle, config }
}
