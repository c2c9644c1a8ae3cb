import { registerIdentity } from '../../platform/auth/identity.js'
import type { Deps } from '../../platform/deps.js'
import { registerRateLimit } from '../../platform/rate-limit/rate-limit.js'
import type { App } from '../../platform/server.js'
import { defineService } from '../../platform/service.js'
import type { AuthDeps } from './auth.js'
import { purgeExpired } from './auth-store.js'
import { authConfig, type AuthSettings } from './config.js'
import { loadKeyRing, type KeyRing } from './keys.js'
import { createPasswordHasher } from './passwords.js'
import { registerCredentialRoutes, registerSessionRoutes } from './routes.js'
import * as S from './schemas.js'

const FORGET_FAILURES_AFTER_SECONDS = 24 * 3600
const HOUSEKEEPING_EVERY_MS = 3600_000

export function authDepsOf(deps: Deps, config: AuthSettings, keys: KeyRing): AuthDeps {
  return {
    db: deps.db,
    log: deps.log,
    hasher: createPasswordHasher({
      memoryKiB: config.AUTH_HASH_MEMORY_KIB,
      timeCost: config.AUTH_HASH_TIME_COST,
      concurrency: config.AUTH_HASH_CONCURRENCY,
      queueMax: config.AUTH_HASH_QUEUE_MAX,
    }),
    accessTokens: { keys, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, ttlSeconds: config.AUTH_ACCESS_TOKEN_TTL_SECONDS },
    ttl: {
      refreshSeconds: config.AUTH_REFRESH_TOKEN_TTL_SECONDS,
      resetSeconds: config.AUTH_RESET_TOKEN_TTL_SECONDS,
      verificationSeconds: config.AUTH_VERIFICATION_TOKEN_TTL_SECONDS,
    },
    throttle: {
      freeAttempts: config.AUTH_LOGIN_FREE_ATTEMPTS,
      baseMs: config.AUTH_LOGIN_BACKOFF_BASE_MS,
      maxMs: config.AUTH_LOGIN_BACKOFF_MAX_MS,
      forgetAfterSeconds: FORGET_FAILURES_AFTER_SECONDS,
    },
  }
}

/**
 * The auth service: accounts, sessions and the access-token signing keys.
 * Mounted at /api/auth; it owns the `auth` schema and publishes the user.*
 * events through its outbox. Its public keys go to the token verifier of this
 * process, so services running next to it verify tokens without any configuration.
 */
export const authService = defineService({
  name: 'auth',
  prefix: '/api/auth',
  // Its rate limit fails closed without Redis (sign-in must not become unlimited); its events wait in the outbox.
  needs: { redis: 'required', broker: 'optional' },
  config: authConfig,
  pool: (c) => ({ max: c.AUTH_DB_POOL_MAX, min: c.AUTH_DB_POOL_MIN }),
  migrations: { schema: 'auth', dir: new URL('./migrations/', import.meta.url) },
  outbox: true,
  // Two per-client limits, not one for the whole service: see the plugin below.
  domain: async (deps, c) => authDepsOf(deps, c, await loadKeyRing(c, deps.log)),
  jobs: [
    {
      // Expired tokens, old sessions and forgotten login failures.
      name: 'auth-purge',
      everyMs: () => HOUSEKEEPING_EVERY_MS,
      run: ({ domain }) => purgeExpired(domain.db, domain.throttle.forgetAfterSeconds),
    },
  ],
  plugin: async (app, { deps, config, domain }) => {
    const { jwks } = domain.accessTokens.keys
    deps.tokens.useLocalKeys(jwks)
    // Health and the public keys stay reachable whatever the rate limit says: every service depends on the keys.
    app.get('/health', { schema: { tags: ['health'] }, config: { rateLimit: false } }, (req, reply) => app.health(req, reply))
    app.get(
      '/.well-known/jwks.json',
      {
        config: { rateLimit: false },
        schema: { tags: ['auth'], summary: 'Public keys that verify access tokens (JWKS)', response: { 200: S.Jwks } },
      },
      async (_req, reply) => {
        reply.header('cache-control', 'public, max-age=300')
        return jwks
      },
    )
    registerIdentity(app, deps.tokens)
    // The seed's strict limit (100 requests per 15 minutes) where a credential is tried, per client and
    // shared by every instance through Redis; it fails closed: guessing must not become unlimited while
    // Redis is away. A signed-in client's ordinary calls (/me, /refresh) would hit it within minutes,
    // so those get the general limit, which fails open like every other service's.
    await app.register(async (scope: App) => {
      await registerRateLimit(scope, deps.rateLimit, {
        max: config.AUTH_RATE_LIMIT_MAX,
        windowMs: config.AUTH_RATE_LIMIT_WINDOW_MS,
        nameSpace: 'auth',
        failClosed: true,
      })
      registerCredentialRoutes(scope, domain)
    })
    await app.register(async (scope: App) => {
      await registerRateLimit(scope, deps.rateLimit, {
        max: config.AUTH_GENERAL_RATE_LIMIT_MAX,
        windowMs: config.AUTH_GENERAL_RATE_LIMIT_WINDOW_MS,
        nameSpace: 'auth-session',
      })
      registerSessionRoutes(scope, domain)
    })
  },
})
