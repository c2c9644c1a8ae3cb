import { Type } from '@sinclair/typebox'
import { MAX_ACCESS_TOKEN_SECONDS } from '../../platform/auth/token-verifier.js'
import type { Settings } from '../../platform/service.js'

/**
 * What the auth service reads from the environment. Defaults: pool 20/5; 100
 * requests per client per 15 minutes on the credential routes (the seed's
 * strict limit), 1000 on the others (the general limit, as the catalog's).
 */
export const authConfig = Type.Object({
  AUTH_RATE_LIMIT_MAX: Type.Integer({
    minimum: 1,
    default: 100,
    description: 'Requests per client per window on the credential routes: register, login, password change, reset, e-mail verification.',
  }),
  AUTH_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 15 * 60 * 1000 }),
  AUTH_GENERAL_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 1000, description: 'Requests per client per window on /me, /refresh and /logout.' }),
  AUTH_GENERAL_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 15 * 60 * 1000 }),
  AUTH_DB_POOL_MAX: Type.Integer({ minimum: 1, default: 20 }),
  AUTH_DB_POOL_MIN: Type.Integer({ minimum: 0, default: 5 }),
  AUTH_ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: MAX_ACCESS_TOKEN_SECONDS, default: 600 }),
  AUTH_REFRESH_TOKEN_TTL_SECONDS: Type.Integer({
    minimum: 300,
    maximum: 90 * 24 * 3600,
    default: 30 * 24 * 3600,
    description: 'Idle lifetime of a session: each refresh starts it again.',
  }),
  AUTH_RESET_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 300, maximum: 24 * 3600, default: 3600 }),
  AUTH_VERIFICATION_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 3600, maximum: 14 * 24 * 3600, default: 48 * 3600 }),
  AUTH_LOGIN_FREE_ATTEMPTS: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 5,
    description: 'Login attempts per account before the exponential back-off starts.',
  }),
  AUTH_LOGIN_BACKOFF_BASE_MS: Type.Integer({ minimum: 100, default: 1000, description: 'First lock; doubles with every further failure.' }),
  AUTH_LOGIN_BACKOFF_MAX_MS: Type.Integer({ minimum: 1000, default: 15 * 60 * 1000 }),
  AUTH_HASH_MEMORY_KIB: Type.Integer({ minimum: 19456, default: 19456, description: 'argon2id m (OWASP minimum 19456).' }),
  AUTH_HASH_TIME_COST: Type.Integer({ minimum: 2, default: 2, description: 'argon2id t.' }),
  AUTH_HASH_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 2,
    description: 'Password hashes computed at once (each takes AUTH_HASH_MEMORY_KIB); keep at or below the cores and UV_THREADPOOL_SIZE.',
  }),
  AUTH_HASH_QUEUE_MAX: Type.Integer({ minimum: 0, default: 200, description: 'Hashes waiting beyond that answer 503 AUTH_BUSY.' }),
})

/** Everything the auth service reads: its own settings and the shared ones (token verification, DATA_DIR, JWT_SECRET). */
export type AuthSettings = Settings<typeof authConfig>
