import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox'
import { envSchema } from 'env-schema'

/**
 * Settings every process reads. PORT, NODE_ENV, REDIS_URL, ALLOWED_ORIGINS and
 * JWT_SECRET keep the names of the deployment guide. A URL that is set selects
 * the real server; an unset one selects the embedded adapter. Every duration
 * says its unit: _MS or _SECONDS.
 */
export const platformConfig = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
    description: 'Informational only; behaviour is switched by the settings below, never by NODE_ENV.',
  }),
  PROFILE: Type.Union([Type.Literal('embedded'), Type.Literal('production')], {
    default: 'embedded',
    description:
      'embedded: a missing server URL selects the embedded adapter (npm start). production: every server and peer a service needs must be configured and answer, or the start stops naming it (profile.ts).',
  }),
  PEER_START_WAIT_MS: Type.Integer({
    minimum: 0,
    default: 15_000,
    description: 'Production profile: how long a starting process waits for the services it calls to answer GET /health/live before it gives up.',
  }),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  LOG_PRETTY: Type.Boolean({ default: false }),
  LOG_SLOW_REQUEST_MS: Type.Integer({
    minimum: 0,
    default: 1000,
    description: 'A request taking at least this long is logged at warn; fast 2xx/3xx only at debug, 4xx at info, 5xx at error.',
  }),
  DATA_DIR: Type.String({ default: './data', minLength: 1, description: 'Embedded database, keys and mailbox.' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_READ_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'Read replica for read-heavy queries.' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  CACHE_LOCAL_MAX_MB: Type.Integer({
    minimum: 0,
    default: 16,
    description: 'With Redis: copies of cached answers kept in this process, checked against Redis on every read (only a flag travels when unchanged); 0 turns them off.',
  }),
  REDIS_KEY_PREFIX: Type.String({ default: 'emporium:', pattern: '^[A-Za-z0-9:_.-]{1,64}$', description: 'Prefix of every Redis key (cache, rate limits, carts).' }),
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({
    minimum: 50,
    default: 2000,
    description:
      'A Redis command without an answer fails after this (then: cache read through, rate limits by policy, carts 503). Well above the event-loop stalls of a loaded host, which made 500 ms fail healthy commands.',
  }),
  AMQP_URL: Type.Optional(Type.String({ pattern: '^amqps?://' })),
  ALLOWED_ORIGINS: Type.String({
    default: 'http://localhost:8080,https://localhost:8080',
    description: 'Comma-separated exact origins allowed by CORS.',
  }),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  INTERNAL_API_TOKEN: Type.Optional(
    Type.String({ minLength: 32, description: 'Shared by the services for their /internal routes; random per process when unset (embedded).' }),
  ),
  PRODUCT_SERVICE_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'Where the product service runs, when not in this process.' })),
  CART_SERVICE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  ORDER_SERVICE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  AUTH_SERVICE_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'Where the auth service runs; the storefront calls its public routes when it runs apart.' })),
  TRUST_PROXY: Type.String({
    default: 'false',
    description: "'false', or the proxy addresses to trust for X-Forwarded-For (e.g. 'loopback' behind nginx).",
  }),
  SYSTEM_HEALTH_URLS: Type.Optional(
    Type.String({ minLength: 1, description: 'name=url,... of every service\'s health route: GET /health/system aggregates them (nginx serves it as /health).' }),
  ),
  INSTANCES: Type.Integer({ minimum: 1, default: 1, description: 'Instances of this service, to size per-process fallbacks.' }),
  CURSOR_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description: 'Signs the list cursors; every instance of a service must share it. Unset: random per process (cursors do not survive a restart).',
    }),
  ),
  METRICS_TOKEN: Type.Optional(
    Type.String({ minLength: 32, description: 'GET /metrics answers only with Authorization: Bearer <this>; unset: no /metrics at all.' }),
  ),
  API_DOCS: Type.Boolean({ default: true, description: 'Serve the API documentation at /docs and /docs/json; the production topology sets false.' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 8000 }),
  SHUTDOWN_KEEPALIVE_GRACE_MS: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        "While draining, how long open keep-alive connections (nginx's, the peers') are still answered, with Connection: close, before idle ones are closed. Default 5000 with PROFILE=production (above nginx's 4 s upstream keepalive_timeout), 0 otherwise; at most half of SHUTDOWN_TIMEOUT_MS.",
    }),
  ),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  BACKGROUND_WORKERS: Type.Boolean({
    default: true,
    description: "Run this process's background work: event consumers, outbox relays and every periodic job (sweeps, purges).",
  }),
})

export type PlatformConfig = Static<typeof platformConfig>

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`)
    this.name = 'ConfigError'
  }
}

interface AjvLikeError {
  instancePath?: string
  message?: string
  params?: { missingProperty?: string; allowedValues?: unknown[] }
}

/**
 * Settings that were renamed (their unit is in the name now; EVENTS_WORKERS
 * switched only some of the background work; e-mail links are PUBLIC_URL plus a
 * path). A start that still sets one stops and names the new name, rather than
 * silently ignoring it.
 */
const RENAMED: Readonly<Record<string, string>> = {
  CACHE_TTL_PRODUCTS: 'CACHE_TTL_PRODUCTS_SECONDS',
  CACHE_TTL_DEALS: 'CACHE_TTL_DEALS_SECONDS',
  CACHE_TTL_RECOMMENDATIONS: 'CACHE_TTL_RECOMMENDATIONS_SECONDS',
  CACHE_TTL_CATEGORIES: 'CACHE_TTL_CATEGORIES_SECONDS',
  CATALOG_EDGE_MAX_AGE: 'PRODUCT_EDGE_MAX_AGE_SECONDS',
  CART_TTL_DAYS: 'CART_TTL_SECONDS',
  ORDER_IDEMPOTENCY_TTL_HOURS: 'ORDER_IDEMPOTENCY_TTL_SECONDS',
  ORDER_RESERVATION_TTL_S: 'ORDER_RESERVATION_TTL_SECONDS',
  EVENTS_HEARTBEAT_S: 'EVENTS_HEARTBEAT_SECONDS',
  EVENTS_WORKERS: 'BACKGROUND_WORKERS',
  NOTIFICATION_VERIFY_URL: 'PUBLIC_URL plus NOTIFICATION_VERIFY_PATH',
  NOTIFICATION_RESET_URL: 'PUBLIC_URL plus NOTIFICATION_RESET_PATH',
  NOTIFICATION_ORDER_URL: 'PUBLIC_URL plus NOTIFICATION_ORDER_PATH',
}

/** Validates the environment against the platform settings plus the given ones, once, at boot. */
export function loadConfig<P extends TProperties>(
  extra: TObject<P>,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<PlatformConfig & Static<TObject<P>>> {
  const schema = Type.Composite([platformConfig, extra])
  // Empty strings mean "unset" (a common shape in .env templates), not "invalid".
  const data = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))
  const problems = Object.keys(RENAMED)
    .filter((old) => old in data)
    .map((old) => `${old} is now ${RENAMED[old]}`)
  let config: PlatformConfig & Static<TObject<P>>
  try {
    config = envSchema({ schema, data, env: false, dotenv: false }) as PlatformConfig & Static<TObject<P>>
  } catch (err) {
    const errors = (err as { errors?: AjvLikeError[] }).errors
    if (!errors) throw err
    throw new ConfigError([...problems, ...errors.map(describeProblem)])
  }
  if (problems.length) throw new ConfigError(problems)
  return Object.freeze(config)
}

function describeProblem(e: AjvLikeError): string {
  if (e.params?.missingProperty) return `${e.params.missingProperty} is required`
  const name = (e.instancePath ?? '').replace(/^\//, '') || 'environment'
  return `${name} ${e.message ?? 'is invalid'}`
}

export function parseOrigins(list: string): string[] {
  return list
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
}

/** TRUST_PROXY as Fastify takes it: false (no proxy in front), true, or the proxies' addresses. */
export function parseTrustProxy(value: string): boolean | string | string[] {
  if (value === 'false' || value === '') return false
  if (value === 'true') return true
  return value.split(',').map((v) => v.trim())
}
