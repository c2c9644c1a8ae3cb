/**
 * Which service answers each public API path the storefront calls, for a
 * storefront running apart from the services (the production topology): it
 * calls them directly on loopback, as the services call each other, instead
 * of going out through nginx's TLS listener and its per-address connection
 * limit. The same split as nginx's locations (deploy/nginx.conf.template).
 */

export const API_PEERS = ['product', 'cart', 'order', 'auth'] as const
export type ApiPeer = (typeof API_PEERS)[number]

const OWNERS: readonly [RegExp, ApiPeer][] = [
  [/^\/api\/(products|categories|deals|recommendations)(\/|$)/, 'product'],
  [/^\/api\/cart(\/|$)/, 'cart'],
  [/^\/api\/orders(\/|$)/, 'order'],
  [/^\/api\/auth(\/|$)/, 'auth'],
]

/** The service that owns a public API path; undefined for a path no service serves. */
export function ownerOf(path: string): ApiPeer | undefined {
  return OWNERS.find(([pattern]) => pattern.test(path))?.[1]
}

/** The base URL for a path, from each service's URL; a path outside the public API is a bug of the caller. */
export function serviceBases(urls: Readonly<Record<ApiPeer, string>>): (path: string) => string {
  return (path) => {
    const owner = ownerOf(path)
    if (!owner) throw new Error(`the storefront called ${path}, which no service serves`)
    return urls[owner]
  }
}
