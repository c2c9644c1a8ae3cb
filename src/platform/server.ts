import { randomUUID } from 'node:crypto'
import compress from '@fastify/compress'
import cors from '@fastify/cors'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { IncomingMessage, ServerResponse } from 'node:http'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawServerDefault,
} from 'fastify'
import type { Logger } from 'pino'
import { parseOrigins, parseTrustProxy, type PlatformConfig } from './config.js'
import { isDatabaseUnavailable } from './db/db.js'
import {
  AppError,
  badRequest,
  badUrl,
  databaseUnavailable,
  dependencyUnavailable,
  errorBody,
  headersTooLarge,
  internalError,
  invalidJson,
  notFound,
  payloadTooLarge,
  routeNotFound,
  unsupportedMediaType,
  uriTooLong,
  validationFailed,
  type ErrorFactory,
} from './errors.js'
import { createReadiness, healthAnswer, type ReadinessCheck } from './health.js'
import { withoutPerRequestHeadersWhenShared } from './http-cache.js'
import { bearerOnly } from './internal.js'
import type { Metrics } from './metrics.js'
import { parseHealthUrls, registerSystemHealth } from './system-health.js'
import { isRedisUnavailable } from './redis.js'
import { registerOpenApi } from './openapi.js'
import { createRequestLog } from './request-log.js'
import { registerSecurityHeaders } from './security-headers.js'
import { describeValidation, validatorCompiler } from './validation.js'

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>

/** Liveness vs readiness state shared by the health routes and the shutdown sequence. */
export interface Lifecycle {
  draining: boolean
}

export interface ServerOptions {
  name: string
  config: PlatformConfig
  logger: Logger
  metrics: Metrics
  /** What readiness looks at: the dependencies the mounted services need (health.ts). */
  checks: readonly ReadinessCheck[]
  version?: string
}

const MAX_URL_LENGTH = 4096
/** A request id a client (or nginx) may choose: short and harmless in a header, a log line or a message; anything else gets a new one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/

// Fastify's own 4xx errors, under our stable codes (the status stays Fastify's).
const FRAMEWORK_ERRORS: Record<string, ErrorFactory<[string]>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: invalidJson,
  FST_ERR_CTP_EMPTY_JSON_BODY: invalidJson,
  FST_ERR_CTP_BODY_TOO_LARGE: payloadTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: unsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: badRequest,
  FST_ERR_CTP_EMPTY_TYPE: unsupportedMediaType,
  FST_ERR_BAD_URL: badUrl,
  FST_ERR_ASYNC_CONSTRAINT: badRequest,
}

/**
 * The HTTP server every service runs in: security headers, CORS whitelist, gzip,
 * request ids, the JSON error body, metrics, OpenAPI docs and health routes.
 * Services are registered on it as encapsulated plugins.
 */
export async function createServer(options: ServerOptions): Promise<{ app: App; lifecycle: Lifecycle }> {
  const { config, metrics } = options
  const lifecycle: Lifecycle = { draining: false }
  const requestLog = createRequestLog({ slowMs: config.LOG_SLOW_REQUEST_MS })
  const app = Fastify({
    loggerInstance: options.logger,
    // At most one line per request (request-log.ts), instead of Fastify's two.
    logController: requestLog.controller,
    // Not requestIdHeader: Fastify takes that header verbatim (3 KB of HTML came back) and skips genReqId.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    trustProxy: parseTrustProxy(config.TRUST_PROXY),
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Must outlive nginx's upstream keepalive_timeout (30 s), or POSTs race a closing socket.
    keepAliveTimeout: 65_000,
    connectionTimeout: 0,
    requestTimeout: 30_000,
    // In-flight keep-alive clients get an answer (with Connection: close) while draining, not a 503.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    // Errors the router raises before any route or hook runs.
    frameworkErrors: (err, _req, reply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      const status = tooLong ? 414 : (err.statusCode ?? 400)
      const declared = tooLong ? uriTooLong : (FRAMEWORK_ERRORS[err.code] ?? badRequest)
      void (reply as FastifyReply).code(status).send(errorBody(declared.code, err.message))
    },
    clientErrorHandler: (err, socket) => {
      const status = (err as { code?: string }).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
      const body = JSON.stringify(errorBody((status === 431 ? headersTooLarge : badRequest).code, err.message))
      if (socket.writable) {
        socket.end(
          `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        )
      } else socket.destroy(err)
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App
  app.server.headersTimeout = 66_000

  app.setValidatorCompiler(validatorCompiler)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((req, reply) => {
    sendError(reply, routeNotFound(req.method, req.url))
  })

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id)
    if (req.raw.url && req.raw.url.length > MAX_URL_LENGTH) {
      throw uriTooLong(`Request URI longer than ${MAX_URL_LENGTH} characters`)
    }
  })
  // While draining, every answer (also to requests that started before) closes its
  // keep-alive connection, so clients reconnect to another instance.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (lifecycle.draining) reply.header('connection', 'close')
    withoutPerRequestHeadersWhenShared(reply)
    return payload
  })
  requestLog.register(app)
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    )
  })

  registerSecurityHeaders(app, {
    // The API answers JSON; the docs page needs its own script and style sources.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    crossOriginResourcePolicy: { policy: 'same-site' },
  })
  await app.register(cors, {
    origin: parseOrigins(config.ALLOWED_ORIGINS),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['content-type', 'authorization', 'idempotency-key', 'x-cart-token', 'if-none-match', 'x-request-id'],
    exposedHeaders: ['etag', 'retry-after', 'x-request-id', 'x-cart-token', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
  })
  // gzip level 6 (the deployment guide's); brotli is left out: its default quality costs more CPU than it saves here.
  await app.register(compress, { global: true, threshold: 1024, encodings: ['gzip', 'deflate'], zlibOptions: { level: 6 } })

  await registerOpenApi(app, { title: `Emporium ${options.name}`, version: options.version ?? '0.1.0', serve: config.API_DOCS })

  const readiness = createReadiness(options.checks, options.logger, () => lifecycle.draining)
  const health = (req: FastifyRequest, reply: FastifyReply) => healthAnswer(readiness, options.name, req, reply)
  app.decorate('health', health)
  app.get('/health', { schema: { hide: true } }, health)
  // Liveness never looks at dependencies: a restart would not bring a database back.
  app.get('/health/live', { schema: { hide: true } }, async () => ({ status: 'ok', service: options.name }))
  if (config.SYSTEM_HEALTH_URLS) registerSystemHealth(app, parseHealthUrls(config.SYSTEM_HEALTH_URLS))
  // For the scraper only: not public even when nginx is bypassed (a port published by Docker, a flat network).
  if (config.METRICS_TOKEN) {
    app.get('/metrics', { schema: { hide: true }, onRequest: bearerOnly(config.METRICS_TOKEN) }, async (_req, reply) => {
      reply.type(metrics.registry.contentType).header('cache-control', 'no-store')
      return metrics.registry.metrics()
    })
  }

  return { app, lifecycle }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route's own codes for a header its schema requires (missing) or
     * constrains (invalid), e.g. IDEMPOTENCY_KEY_REQUIRED, instead of VALIDATION;
     * the OpenAPI document still shows the header as the schema says.
     */
    headerErrors?: Record<string, { missing: () => AppError; invalid: () => AppError }>
  }
  interface FastifyInstance {
    /** Readiness answer with dependency checks; every service's /api/<name>/health uses it. */
    health(req: FastifyRequest, reply: FastifyReply): Promise<unknown>
  }
}

function errorHandler(err: FastifyError | AppError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) {
    if (err.status >= 500) req.log.error({ err }, err.message)
    return sendError(reply, err)
  }
  if (err.validation) {
    return sendError(reply, headerError(req, err) ?? validationFailed(describeValidation(err.validation, err.validationContext)))
  }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const declared = FRAMEWORK_ERRORS[err.code] ?? (status === 404 ? notFound : status === 413 ? payloadTooLarge : badRequest)
    return reply.code(status).send(errorBody(declared.code, err.message))
  }
  if (isDatabaseUnavailable(err)) {
    // Not the client's fault and not a bug: say so fast, so callers and balancers retry.
    req.log.error({ err }, 'database unavailable')
    return sendError(reply, databaseUnavailable())
  }
  if (isRedisUnavailable(err)) {
    // Where Redis is the data (carts) there is nothing to fall back to: a dependency's 503, not a bug's 500.
    req.log.error({ err }, 'redis unavailable')
    return sendError(reply, dependencyUnavailable('Redis is not available; try again shortly'))
  }
  // A bug: the details go to the log only, with the request id.
  req.log.error({ err }, 'request failed')
  return sendError(reply, internalError(req.id))
}

/** A header the route's schema requires or constrains, refused with the route's own code (config.headerErrors) instead of VALIDATION. */
function headerError(req: FastifyRequest, err: FastifyError): AppError | undefined {
  const first = err.validation?.[0]
  if (err.validationContext !== 'headers' || !first) return undefined
  const missing = first.keyword === 'required'
  const name = missing ? String((first.params as { missingProperty?: string }).missingProperty) : first.instancePath.split('/')[1]
  const declared = name === undefined ? undefined : req.routeOptions.config.headerErrors?.[name]
  return declared && (missing ? declared.missing() : declared.invalid())
}

/** The one place an AppError becomes HTTP: its status, its headers, the JSON error body. */
function sendError(reply: FastifyReply, err: AppError) {
  return reply.code(err.status).headers(err.headers).send(errorBody(err.code, err.message))
}
