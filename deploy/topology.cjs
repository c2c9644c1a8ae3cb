'use strict'
/**
 * The production topology in one place: the PM2 apps (the seed's names and
 * instance counts), their ports and how they find each other. Read by
 * ecosystem.config.cjs (PM2 evaluates it in plain Node) and by scripts/prod
 * (nginx config, health waits, status). Every number can be set by environment.
 */
const os = require('node:os')
const path = require('node:path')

/**
 * The seed's apps, plus the storefront (server-rendered pages that call the services' public
 * routes directly, not through nginx). `health` is each app's readiness route.
 */
const SERVICES = [
  { service: 'product', app: 'product-service', port: 3001, instances: 'max', health: '/api/products/health' },
  { service: 'cart', app: 'cart-service', port: 3002, instances: 'max', health: '/api/cart/health' },
  { service: 'order', app: 'order-service', port: 3003, instances: 4, health: '/api/orders/health' },
  { service: 'auth', app: 'auth-service', port: 3004, instances: 4, health: '/api/auth/health' },
  { service: 'notification', app: 'notification-service', port: 3005, instances: 2, health: '/api/notifications/health' },
  // Not in the seed: nginx sends it every path outside /api, /images and /health. One instance by
  // default: two could race one shopper's refresh token, which the auth service takes as reuse
  // (README, "API additions the storefront needs next").
  { service: 'storefront', app: 'storefront', port: 3006, instances: 1, health: '/health' },
]

const DEFAULTS = { NGINX_PORT: 8080, NGINX_ADDRESS: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: 8000 }

class TopologyError extends Error {}

function portOf(env, name, fallback) {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new TopologyError(`${name} must be a port number (1-65535), got '${raw}'`)
  return n
}

function instancesOf(env, name, fallback) {
  const raw = env[name] === undefined || env[name] === '' ? String(fallback) : env[name]
  if (raw === 'max') return os.availableParallelism()
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 64) throw new TopologyError(`${name} must be 'max' or a number of instances (1-64), got '${raw}'`)
  return Number(raw)
}

/**
 * The topology for an environment: each service with its port, instance count
 * and URLs, and nginx's port. Throws a TopologyError naming the bad variable.
 */
function resolveTopology(env = process.env) {
  const services = SERVICES.map((s) => {
    const key = s.service.toUpperCase()
    const port = portOf(env, `${key}_PORT`, s.port)
    return { ...s, port, instances: instancesOf(env, `${key}_INSTANCES`, s.instances), url: `http://127.0.0.1:${port}` }
  })
  const nginxPort = portOf(env, 'NGINX_PORT', DEFAULTS.NGINX_PORT)
  const ports = new Map()
  for (const [name, port] of [['NGINX_PORT', nginxPort], ...services.map((s) => [`${s.service.toUpperCase()}_PORT`, s.port])]) {
    if (ports.has(port)) throw new TopologyError(`${name} and ${ports.get(port)} are both ${port}`)
    ports.set(port, name)
  }
  const shutdownRaw = env.SHUTDOWN_TIMEOUT_MS || String(DEFAULTS.SHUTDOWN_TIMEOUT_MS)
  if (!/^\d+$/.test(shutdownRaw)) throw new TopologyError(`SHUTDOWN_TIMEOUT_MS must be a number of milliseconds, got '${shutdownRaw}'`)
  const byName = Object.fromEntries(services.map((s) => [s.service, s]))
  return {
    services,
    byName,
    nginx: { port: nginxPort, address: env.NGINX_ADDRESS || DEFAULTS.NGINX_ADDRESS },
    shutdownTimeoutMs: Number(shutdownRaw),
    /**
     * What every app is told about the others (they call /internal routes and fetch the
     * auth keys directly, not through nginx). Values set in the environment win (Docker:
     * the services are other containers).
     */
    sharedEnv: {
      // Nothing falls back to an embedded adapter: a missing server, secret or peer stops the start.
      PROFILE: 'production',
      HOST: env.HOST || '127.0.0.1',
      PRODUCT_SERVICE_URL: env.PRODUCT_SERVICE_URL || byName.product.url,
      CART_SERVICE_URL: env.CART_SERVICE_URL || byName.cart.url,
      ORDER_SERVICE_URL: env.ORDER_SERVICE_URL || byName.order.url,
      // The storefront calls the auth service's public routes (sign-in, sign-up, refresh).
      AUTH_SERVICE_URL: env.AUTH_SERVICE_URL || byName.auth.url,
      AUTH_JWKS_URL: env.AUTH_JWKS_URL || `${byName.auth.url}/api/auth/.well-known/jwks.json`,
      SYSTEM_HEALTH_URLS: env.SYSTEM_HEALTH_URLS || services.map((s) => `${s.service}=${s.url}${s.health}`).join(','),
      // nginx on this host is the only client: rate limits see X-Forwarded-For from it.
      TRUST_PROXY: env.TRUST_PROXY || 'loopback',
      // The API documentation is for developers; a production shop does not publish it.
      API_DOCS: env.API_DOCS || 'false',
      // E-mail links lead to the shop as its customers reach it: through nginx.
      PUBLIC_URL: env.PUBLIC_URL || `https://localhost:${nginxPort}`,
      // One directory for every product instance, served by nginx from disk. Not under
      // DATA_DIR (only its owner may enter it): nginx's workers run as another user.
      IMAGES_DIR: env.IMAGES_DIR || path.resolve(__dirname, '..', env.PROD_DIR || 'var', 'images'),
    },
  }
}

module.exports = { SERVICES, DEFAULTS, TopologyError, resolveTopology }
