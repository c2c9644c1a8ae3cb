import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { ApiError, apiUnavailable } from './errors.js'

export { ApiError }

/**
 * The storefront's only way to the shop's data: the public API, the same routes
 * a mobile app calls. In the embedded shop the services run in this process and
 * the calls go straight into the server (app.inject: same routes, schemas, rate
 * limits and errors, no socket); when the storefront runs apart they go over
 * HTTP, to STOREFRONT_API_URL or to the service that owns each path
 * (api-routes.ts). Never /internal routes, never a service's store.
 */

export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: string
  query?: Record<string, string | number | undefined>
  body?: unknown
  /** A streamed body instead (a multipart form with a file): its bytes are passed on as they come, never held whole. */
  stream?: { contentType: string; bytes: AsyncIterable<Uint8Array> }
  /** Access token, sent as Authorization: Bearer. */
  accessToken?: string
  /** Guest cart token, sent as X-Cart-Token. */
  cartToken?: string
  idempotencyKey?: string
  /** The browser's address, so the API's per-client rate limits count the shopper, not the storefront. */
  clientIp?: string
  requestId?: string
}

export interface ApiAnswer<T> {
  status: number
  body: T
}

export interface ApiClient {
  /** The answer of a 2xx; throws ApiError otherwise (the API's code and message, or API_UNAVAILABLE). */
  call<T>(call: ApiCall): Promise<ApiAnswer<T>>
}

interface Raw {
  status: number
  text: string
}

function headersOf(call: ApiCall, viaHttp: boolean): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (call.body !== undefined) headers['content-type'] = 'application/json'
  if (call.stream) headers['content-type'] = call.stream.contentType
  if (call.accessToken) headers.authorization = `Bearer ${call.accessToken}`
  if (call.cartToken) headers['x-cart-token'] = call.cartToken
  if (call.idempotencyKey) headers['idempotency-key'] = call.idempotencyKey
  if (call.requestId) headers['x-request-id'] = call.requestId
  // Over HTTP the API sees the storefront's address; it trusts this header only from a proxy it is told to trust (TRUST_PROXY).
  if (viaHttp && call.clientIp) headers['x-forwarded-for'] = call.clientIp
  return headers
}

function urlOf(call: ApiCall): string {
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined && v !== '') search.set(k, String(v))
  const qs = search.toString()
  return qs ? `${call.path}?${qs}` : call.path
}

function toAnswer<T>(raw: Raw): ApiAnswer<T> {
  let body: unknown
  try {
    body = raw.text ? JSON.parse(raw.text) : undefined
  } catch {
    throw apiUnavailable('The shop answered something unexpected')
  }
  if (raw.status < 400) return { status: raw.status, body: body as T }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
  if (typeof error?.code === 'string') throw new ApiError(error.code, typeof error.message === 'string' ? error.message : error.code, raw.status)
  throw apiUnavailable(`The shop is not available (${raw.status})`)
}

export function createInjectApiClient(server: FastifyInstance): ApiClient {
  return {
    async call<T>(call: ApiCall) {
      const res = await server.inject({
        method: call.method,
        url: urlOf(call),
        headers: headersOf(call, false),
        ...(call.clientIp ? { remoteAddress: call.clientIp } : {}),
        ...(call.body !== undefined ? { payload: JSON.stringify(call.body) } : {}),
        ...(call.stream ? { payload: Readable.from(call.stream.bytes, { objectMode: false }) } : {}),
      })
      return toAnswer<T>({ status: res.statusCode, text: res.body })
    },
  }
}

/** Over HTTP; `baseFor` names the origin that answers a path (one for all, or the owning service's). */
export function createHttpApiClient(baseFor: (path: string) => string, timeoutMs: number): ApiClient {
  return {
    async call<T>(call: ApiCall) {
      let res: Response
      try {
        res = await fetch(baseFor(call.path).replace(/\/$/, '') + urlOf(call), {
          method: call.method,
          headers: headersOf(call, true),
          ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
          // A stream goes out as it is read (chunked); fetch needs duplex 'half' for a streamed request body.
          ...(call.stream ? { body: Readable.toWeb(Readable.from(call.stream.bytes, { objectMode: false })) as ReadableStream, duplex: 'half' } : {}),
          // An upload also waits for its turn in the image queue and its decode (docs/images.md): a minute, not the per-call timeout.
          signal: AbortSignal.timeout(call.stream ? Math.max(timeoutMs, 60_000) : timeoutMs),
        })
      } catch {
        throw apiUnavailable('The shop cannot be reached right now')
      }
      return toAnswer<T>({ status: res.status, text: await res.text() })
    },
  }
}
