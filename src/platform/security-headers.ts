import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import helmet, { type HelmetOptions } from 'helmet'

/**
 * helmet's security headers (CSP, HSTS, X-Content-Type-Options, ...) on every
 * answer. They depend only on the options, so helmet runs once, here, and every
 * request gets the same headers: @fastify/helmet built helmet's middleware
 * again on each request, parsing the CSP directives each time (~4 % of the CPU
 * of a cached catalog read). A route may still set its own (the docs page its CSP).
 */
export function registerSecurityHeaders(app: FastifyInstance, options: HelmetOptions) {
  const headers = securityHeaders(options)
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers)
    done()
  })
}

/** The headers helmet sets with these options, captured from one run of its middleware. */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()]
    },
  }
  let failed: unknown
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => (failed = err))
  if (failed) throw failed
  return headers
}
