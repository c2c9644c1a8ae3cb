import type { FastifyInstance } from 'fastify'
import { AppError, dependencyFailed, dependencyUnavailable } from './errors.js'
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
}

interface Answer {
  status: number
  text: string
}

function toResult<T>(service: string, answer: Answer): T {
  let parsed: unknown
  try {
    parsed = answer.text ? JSON.parse(answer.text) : undefined
  } catch {
    throw dependencyFailed(service)
  }
  if (answer.status < 400) return parsed as T
  const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error
  // A refusal of the other service (4xx) is the caller's refusal too; its failures are ours to report as 503.
  if (answer.status < 500 && error?.code) throw new AppError(error.code, error.message ?? error.code, answer.status)
  throw dependencyUnavailable(`The ${service} service is not available (${answer.status})`)
}

export function createInjectClient(service: string, app: FastifyInstance, internalToken: string): ServiceClient {
  return {
    async request(method, path, options = {}) {
      const res = await app.inject({
        method,
        url: path,
        headers: { [INTERNAL_TOKEN_HEADER]: internalToken, ...options.headers, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
      })
      return toResult(service, { status: res.statusCode, text: res.body })
    },
  }
}

export function createHttpClient(service: string, baseUrl: string, internalToken: string, timeoutMs = 5000): ServiceClient {
  const base = baseUrl.replace(/\/$/, '')
  return {
    async request(method, path, options = {}) {
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
        throw dependencyUnavailable(`The ${service} service is not reachable: ${(err as Error).message}`)
      }
      return toResult(service, { status: res.status, text: await res.text() })
    },
  }
}
