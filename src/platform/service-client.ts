import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { AppError, dependencyUnavailable } from './errors.js'
import { INTERNAL_TOKEN_HEADER } from './internal.js'

/**
 * How one service calls another's routes: through the network in production
 * (fetch to the service's URL), or straight into the same server in the embedded
 * shop (app.inject: the same routes, schemas and errors, no socket). Callers see
 * one interface and the same AppErrors either way.
 */
export interface ServiceClient {
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options?: RequestOptions): Promise<T>
}

export interface RequestOptions {
  body?: unknown
  headers?: Record<string, string>
  /**
   * The refusals this call's contract declares (src/contracts: OUT_OF_STOCK ...):
   * they reach the caller as the peer sent them. Any other answer >= 400 is
   * the peer failing, not the client's mistake.
   */
  refusals?: readonly string[]
}

interface Answer {
  status: number
  text: string
}

interface Call {
  service: string
  method: string
  path: string
  refusals: readonly string[]
  log: Logger
}

/**
 * A peer's answer as the caller sees it: the result, a declared refusal of the
 * contract (4xx, as sent), or else 503 DEPENDENCY_UNAVAILABLE with Retry-After.
 * What went wrong (status, code, the peer's message, the route) goes to the log
 * only: an internal route or a peer's error text never reaches a client.
 */
function toResult<T>(call: Call, answer: Answer): T {
  let parsed: unknown
  try {
    parsed = answer.text ? JSON.parse(answer.text) : undefined
  } catch {
    throw peerFailed(call, { status: answer.status, reason: 'not JSON' })
  }
  if (answer.status < 400) return parsed as T
  const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error
  if (answer.status < 500 && error?.code && call.refusals.includes(error.code)) throw new AppError(error.code, error.message ?? error.code, answer.status)
  throw peerFailed(call, { status: answer.status, code: error?.code, message: error?.message })
}

function peerFailed(call: Call, detail: Record<string, unknown>): AppError {
  call.log.error({ peer: call.service, method: call.method, path: call.path, ...detail }, 'peer service call failed')
  return dependencyUnavailable(`The ${call.service} service is not available; try again shortly`)
}

export function createInjectClient(service: string, app: FastifyInstance, internalToken: string, log: Logger): ServiceClient {
  return {
    async request(method, path, options = {}) {
      const res = await app.inject({
        method,
        url: path,
        headers: { [INTERNAL_TOKEN_HEADER]: internalToken, ...options.headers, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
      })
      return toResult({ service, method, path, refusals: options.refusals ?? [], log }, { status: res.statusCode, text: res.body })
    },
  }
}

export function createHttpClient(service: string, baseUrl: string, internalToken: string, log: Logger, timeoutMs = 5000): ServiceClient {
  const base = baseUrl.replace(/\/$/, '')
  return {
    async request(method, path, options = {}) {
      const call = { service, method, path, refusals: options.refusals ?? [], log }
      const send = () =>
        fetch(base + path, {
          method,
          headers: { [INTERNAL_TOKEN_HEADER]: internalToken, ...options.headers, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        })
      let res: Response
      try {
        res = await send().catch((err: Error) => {
          // A pooled connection the peer closed as it drained (pm2 reload) fails before any
          // answer: send once more on a new one. Every /internal call is idempotent (GETs, and
          // writes keyed by order id), so a retry cannot act twice; a timeout is not retried.
          if (err.name === 'TimeoutError') throw err
          return send()
        })
      } catch (err) {
        throw peerFailed(call, { reason: (err as Error).message, cause: ((err as Error).cause as Error | undefined)?.message })
      }
      return toResult(call, { status: res.status, text: await res.text() })
    },
  }
}
