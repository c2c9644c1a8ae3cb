import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Logger } from 'pino'

export interface RequestLogOptions {
  /** A request that takes at least this long is logged (warn) whatever its status. */
  slowMs: number
}

/**
 * At most one log line per request, written when it ends: 5xx at error, slow
 * ones at warn, 4xx at info, and fast 2xx/3xx only at debug (nginx's access
 * log has them in production; LOG_LEVEL=debug gives one here). A 5xx the error
 * handler already logged, with its error, gets no second line. Fastify's own
 * request logging (two lines a request at info) halved the throughput of a
 * cached catalog read at the default level.
 *
 * The controller goes into Fastify's options (logController); register() adds
 * the hook that tells it which requests the error handler saw. `client` is the
 * address after TRUST_PROXY (behind nginx: the shopper's, as in nginx's access log).
 */
export function createRequestLog(options: RequestLogOptions) {
  const failed = new WeakSet<FastifyRequest>()

  class RequestLog extends LogController {
    override incomingRequest() {}

    override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply) {
      const status = reply.statusCode
      const ms = reply.elapsedTime
      const slow = ms >= options.slowMs
      const level = error || status >= 500 ? 'error' : slow ? 'warn' : status >= 400 ? 'info' : 'debug'
      if (!(req.log as Logger).isLevelEnabled(level) || (!error && status >= 500 && failed.has(req))) return
      req.log[level](
        { method: req.method, url: req.url, route: req.routeOptions.url, client: req.ip, status, ms: Math.round(ms * 10) / 10, ...(error ? { err: error } : {}) },
        error ? 'response failed' : slow ? 'slow request' : 'request',
      )
    }
  }

  return {
    controller: new RequestLog(),
    register(app: FastifyInstance) {
      app.addHook('onError', async (req) => {
        failed.add(req)
      })
    },
  }
}
