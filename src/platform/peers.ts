import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { dependencyUnavailable } from './errors.js'
import type { ReadinessCheck } from './health.js'
import { createHttpClient, createInjectClient, type ServiceClient } from './service-client.js'

/** Which services run in this process, and how to reach the others. */
export interface Peers {
  /** Services mounted in this process. */
  local: ReadonlySet<string>
  /** Base URLs of the services running elsewhere (PRODUCT_SERVICE_URL, ...). */
  urls: Readonly<Record<string, string | undefined>>
  internalToken: string
  /** Where failed calls are logged (their details never reach a client). */
  log: Logger
  /** The server of this process, once built (in-process calls go through it). */
  server?: FastifyInstance
}

/** The setting that says where a service runs: PRODUCT_SERVICE_URL, ... */
export function peerUrlSetting(service: string): string {
  return `${service.toUpperCase()}_SERVICE_URL`
}

/**
 * A client for another service's routes: in process when that service is
 * mounted here, over HTTP otherwise. Resolved lazily, so a service can ask for
 * its clients while the server is still being assembled.
 */
export function peerClient(peers: Peers, service: string): ServiceClient {
  let client: ServiceClient | undefined
  const resolve = (): ServiceClient => {
    if (client) return client
    if (peers.local.has(service)) {
      if (!peers.server) throw new Error(`the ${service} service is local but the server is not built yet`)
      client = createInjectClient(service, peers.server, peers.internalToken, peers.log)
    } else {
      const url = peers.urls[service]
      if (!url) {
        peers.log.error({ peer: service }, `no address for the ${service} service: set ${peerUrlSetting(service)}`)
        throw dependencyUnavailable(`The ${service} service is not available; try again shortly`)
      }
      client = createHttpClient(service, url, peers.internalToken, peers.log)
    }
    return client
  }
  return { request: (method, path, options) => resolve().request(method, path, options) }
}

/** GET <url>/health/live: 'ok' on 200, else what came back (a status or an error code). Liveness only: a peer that runs, whatever its own dependencies say. */
export async function probeLive(baseUrl: string, timeoutMs = 2000): Promise<string> {
  try {
    const res = await fetch(`${baseUrl.replace(/\/$/, '')}/health/live`, { signal: AbortSignal.timeout(timeoutMs) })
    await res.body?.cancel()
    return res.status === 200 ? 'ok' : `answered ${res.status}`
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } }
    return e.cause?.code ?? e.name
  }
}

/** Readiness of a process that calls this peer over HTTP: the peer at least runs (its own dependencies are its own readiness). */
export function peerLivenessCheck(peer: string, url: string | undefined): ReadinessCheck {
  return {
    name: `${peer}-service`,
    required: true,
    check: async () => {
      if (!url) throw new Error('no address configured')
      const answer = await probeLive(url)
      if (answer !== 'ok') throw new Error(answer)
    },
  }
}
