import type { FastifyInstance } from 'fastify'
import { dependencyUnavailable } from './errors.js'
import { createHttpClient, createInjectClient, type ServiceClient } from './service-client.js'

/** Which services run in this process, and how to reach the others. */
export interface Peers {
  /** Services mounted in this process. */
  local: ReadonlySet<string>
  /** Base URLs of the services running elsewhere (PRODUCT_SERVICE_URL, ...). */
  urls: Readonly<Record<string, string | undefined>>
  internalToken: string
  /** The server of this process, once built (in-process calls go through it). */
  server?: FastifyInstance
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
      client = createInjectClient(service, peers.server, peers.internalToken)
    } else {
      const url = peers.urls[service]
      if (!url) throw dependencyUnavailable(`No address for the ${service} service: set ${service.toUpperCase()}_SERVICE_URL`)
      client = createHttpClient(service, url, peers.internalToken)
    }
    return client
  }
  return { request: (method, path, options) => resolve().request(method, path, options) }
}
