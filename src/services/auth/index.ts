import { registerIdentity } from '../../platform/auth/identity.js'
import type { Deps } from '../../platform/deps.js'
import { registerRateLimit } from '../../platform/rate-limit/rate-limit.js'
import type { App } from '../../platform/server.js'
import type { AuthDeps } from './auth.js'
import { purgeExpired } from './auth-store.js'
import type { AuthServiceConfig } from './config.js'
import { loadKeyRing } from './keys.js'
import { createPasswordHasher } from './passwords.js'
import { registerAuthRoutes } from './routes.js'
import * as S from './schemas.js'

export interface AuthServiceOptions {
  deps: Deps
  config: AuthServiceConfig
}

const FORGET_FAILURES_AFTER_SECONDS = 24 * 3600
const HOUSEKEEPING_EVERY_MS = 3600_000

/**
 * The auth service: accounts, sessions and the access-token signing keys. An
 * encapsulated plugin mounted at /api/auth; it owns the `auth` schema. Its public
 * keys go to the token verifier of this process, so services running next to it
 * verify tokens without any configuration.
 */
export async function authService(app: App, { deps, config }: AuthServiceOptions) {
  const keys = await loadKeyRing(config, deps.log)
  deps.tokens.useLocalKeys(keys.jwks)
  const authDeps: AuthDeps = {
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

  // Health and the public keys stay reachable whatever the rate limit says: every service depends on the keys.
  app.get('/health', { schema: { tags: ['health'] }, config: { rateLimit: false } }, (_req, reply) => app.health(reply))
  app.get(
    '/.well-known/jwks.json',
    {
      config: { rateLimit: false },
      schema: { tags: ['auth'], summary: 'Public keys that verify access tokens (JWKS)', response: { 200: S.Jwks } },
    },
    async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=300')
      return keys.jwks
    },
  )

  // The strictest limit (100 requests per 15 minutes by default), per client, shared by every instance through Redis. Fail closed:
  // login and password reset must not become unlimited while Redis is away.
  await registerRateLimit(app, deps.rateLimit, {
    max: config.AUTH_RATE_LIMIT_MAX,
    windowMs: config.AUTH_RATE_LIMIT_WINDOW_MS,
    nameSpace: 'auth',
    failClosed: true,
  })
  registerIdentity(app, deps.tokens)
  registerAuthRoutes(app, authDeps)

  const purge = () => {
    purgeExpired(deps.db, FORGET_FAILURES_AFTER_SECONDS).catch((err) => deps.log.warn({ err }, 'auth housekeeping failed'))
  }
  const timer = setInterval(purge, HOUSEKEEPING_EVERY_MS)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))
}
