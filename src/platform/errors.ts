/**
 * The one error type of the code base. Throw an AppError for an expected refusal
 * (OUT_OF_STOCK, 409); anything else is a bug and becomes 500 INTERNAL in the
 * error handler of server.ts, with the details only in the log.
 * Codes are API: SCREAMING_SNAKE, never renamed. Each is declared once, with its
 * status, in an errors.ts (this file for the platform's, one per service), and
 * listed in the README's error table (test/unit/error-codes.test.ts holds them together).
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'AppError'
  }
}

/** What a declared error's message function gives: the message, or the message and headers that depend on it. */
export type ErrorDetail = string | { message: string; headers: Record<string, string> }

export interface ErrorOptions {
  /** Headers every answer with this code carries (Retry-After, WWW-Authenticate). */
  headers?: Record<string, string>
  /** A subclass of AppError that callers tell apart (PermanentEventError, NothingWritten). */
  type?: new (code: string, message: string, status: number, headers: Record<string, string>) => AppError
}

/** A declared error: call it to make the AppError; its code and status are readable without making one. */
export interface ErrorFactory<A extends unknown[]> {
  (...args: A): AppError
  readonly code: string
  readonly status: number
}

/**
 * Declares an error code once, as Fastify's lib/errors.js does: its code, its
 * HTTP status and how its message reads. Call sites throw what it returns:
 * `throw productNotFound(id)`.
 */
export function declareError(code: string, status: number, message: string, options?: ErrorOptions): ErrorFactory<[]>
export function declareError<A extends unknown[]>(code: string, status: number, message: (...args: A) => ErrorDetail, options?: ErrorOptions): ErrorFactory<A>
export function declareError<A extends unknown[]>(
  code: string,
  status: number,
  message: string | ((...args: A) => ErrorDetail),
  options: ErrorOptions = {},
): ErrorFactory<A> {
  if (!/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(code)) throw new Error(`error codes are SCREAMING_SNAKE: ${code}`)
  const Type = options.type ?? AppError
  const make = (...args: A): AppError => {
    const detail = typeof message === 'string' ? message : message(...args)
    const text = typeof detail === 'string' ? detail : detail.message
    const headers = typeof detail === 'string' ? {} : detail.headers
    return new Type(code, text, status, { ...options.headers, ...headers })
  }
  return Object.assign(make, { code, status })
}

export interface ErrorBody {
  error: { code: string; message: string }
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } }
}

// --- the platform's errors -----------------------------------------------------------

// Requests the framework refuses before a route runs (server.ts).
export const validationFailed = declareError('VALIDATION', 400, (where: string) => where)
export const invalidJson = declareError('INVALID_JSON', 400, (message: string) => message)
export const badRequest = declareError('BAD_REQUEST', 400, (message: string) => message)
export const badUrl = declareError('BAD_URL', 400, (message: string) => message)
export const unsupportedMediaType = declareError('UNSUPPORTED_MEDIA_TYPE', 415, (message: string) => message)
export const payloadTooLarge = declareError('PAYLOAD_TOO_LARGE', 413, (message: string) => message)
export const uriTooLong = declareError('URI_TOO_LONG', 414, (message: string) => message)
export const headersTooLarge = declareError('HEADERS_TOO_LARGE', 431, (message: string) => message)
export const routeNotFound = declareError('ROUTE_NOT_FOUND', 404, (method: string, url: string) => `No route for ${method} ${url.split('?')[0]}`)
/** A 404 the framework or a plugin raised without a code of ours. */
export const notFound = declareError('NOT_FOUND', 404, (message: string) => message)
export const internalError = declareError('INTERNAL', 500, (requestId: string) => `Internal error (request ${requestId})`)
export const databaseUnavailable = declareError('DATABASE_UNAVAILABLE', 503, 'The database is not available; try again shortly', {
  headers: { 'retry-after': '2' },
})

// Lists with keyset cursors (product and order lists).
export const invalidCursor = declareError('INVALID_CURSOR', 400, 'The cursor is not one this list produced; start again without it')

// Rate limits (rate-limit/rate-limit.ts).
export const rateLimited = declareError('RATE_LIMITED', 429, (after: string, retryAfterSeconds: number) => ({
  message: `Too many requests; retry in ${after}`,
  headers: { 'retry-after': String(retryAfterSeconds) },
}))
export const rateLimitUnavailable = declareError('RATE_LIMIT_UNAVAILABLE', 503, 'Try again shortly', { headers: { 'retry-after': '5' } })

// Identity (auth/identity.ts, auth/token-verifier.ts).
export const authRequired = declareError('AUTH_REQUIRED', 401, 'Sign in first: send Authorization: Bearer <access token>', {
  headers: { 'www-authenticate': 'Bearer' },
})
export const forbidden = declareError('FORBIDDEN', 403, (message: string) => message)
export const invalidToken = declareError('INVALID_TOKEN', 401, (message: string = 'The access token is not valid') => message, {
  headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
})
export const tokenExpired = declareError('TOKEN_EXPIRED', 401, 'The access token has expired; refresh it', {
  headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="expired"' },
})
export const authKeysUnavailable = declareError('AUTH_KEYS_UNAVAILABLE', 503, 'Cannot check access tokens right now', {
  headers: { 'retry-after': '5' },
})

// Other services (service-client.ts, peers.ts, internal.ts).
export const internalTokenRejected = declareError(
  'INTERNAL_TOKEN_REJECTED',
  403,
  'This route is for the other services: send the shared INTERNAL_API_TOKEN (it must be the same in every service)',
)
export const dependencyUnavailable = declareError('DEPENDENCY_UNAVAILABLE', 503, (message: string) => message, { headers: { 'retry-after': '2' } })

// Events (events/, bus/): in logs and dead letters, not in HTTP answers.
export const eventMalformed = declareError('EVENT_MALFORMED', 400, (message: string) => message)
export const eventVersionUnsupported = declareError('EVENT_VERSION_UNSUPPORTED', 400, (type: string, version: number) => `${type} version ${version} is not supported here`)
export const brokerUnavailable = declareError('BROKER_UNAVAILABLE', 503, (message: string) => message, { headers: { 'retry-after': '5' } })
