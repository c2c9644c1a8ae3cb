import net from 'node:net'
import type { App, Lifecycle } from './server.js'

export interface ServeOptions {
  host: string
  port: number
  shutdownTimeoutMs: number
  /** Closes pools and connections after the server stopped answering. */
  closeDeps: () => Promise<void>
  /** Work to stop before the listener closes (consumers, relays, timers). */
  beforeClose?: () => Promise<void>
  /**
   * While draining, how long connections already open keep being answered
   * (with Connection: close) before the idle ones are closed; 0: at once. Behind
   * nginx it must exceed nginx's upstream keepalive_timeout (see releaseConnections).
   */
  keepAliveGraceMs?: number
  exit?: (code: number) => void
}

/**
 * Listens, tells PM2 the instance is ready only once everything is up, and on
 * SIGINT, SIGTERM or PM2's 'shutdown' message drains: readiness turns 503,
 * answers carry Connection: close, in-flight requests finish, pools close, exit 0.
 * After shutdownTimeoutMs it exits 1 whatever is still open.
 */
export async function serve(app: App, lifecycle: Lifecycle, options: ServeOptions): Promise<{ shutdown: (reason: string) => Promise<void> }> {
  const exit = options.exit ?? ((code: number) => process.exit(code))
  await app.listen({ host: options.host, port: options.port })
  let stopping: Promise<void> | undefined

  let exited = false
  const finish = (code: number) => {
    if (exited) return
    exited = true
    exit(code)
  }

  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      app.log.info({ reason }, 'draining')
      lifecycle.draining = true
      // The drain ends: whatever still hangs at the limit (a request, a pool that
      // does not close) is abandoned, so PM2's kill_timeout never has to SIGKILL us.
      const force = setTimeout(() => {
        app.log.warn({ timeoutMs: options.shutdownTimeoutMs }, 'drain timeout: exiting with work still open')
        app.server.closeAllConnections()
        finish(1)
      }, options.shutdownTimeoutMs)
      let code = 0
      try {
        await options.beforeClose?.()
        await releaseConnections(app.server, Math.min(options.keepAliveGraceMs ?? 0, options.shutdownTimeoutMs / 2))
        await app.close()
        await options.closeDeps()
        app.log.info('stopped')
      } catch (err) {
        app.log.error({ err }, 'error while stopping')
        code = 1
      } finally {
        clearTimeout(force)
      }
      finish(code)
    })()
    return stopping
  }

  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
  // PM2 on Windows and with shutdown_with_message sends a message instead of a signal.
  process.on('message', (msg) => {
    if (msg === 'shutdown') void shutdown('shutdown message')
  })
  // The port a parent asked for with PORT=0 (tests), then PM2's signal that everything is up.
  const address = app.server.address()
  process.send?.({ event: 'listening', port: typeof address === 'object' && address ? address.port : options.port })
  process.send?.('ready')
  return { shutdown }
}

/**
 * Stops accepting connections (PM2's cluster master sends new ones to the other
 * instances) but leaves the open ones for up to graceMs, or until none is left.
 * Closing an idle keep-alive connection at once races the proxy: nginx may be
 * sending a request on it at that moment, and gets a reset it cannot retry for
 * a POST (a 502 the client sees; measured under pm2 reload). Instead each
 * connection answers its next request with Connection: close (server.ts) and
 * ends, and nginx closes the ones it leaves idle after its upstream
 * keepalive_timeout (4 s, below the grace): when the grace ends, no idle
 * connection is left on nginx's side to race. Busy ones are then waited for by
 * app.close(), as before.
 */
async function releaseConnections(server: net.Server, graceMs: number): Promise<void> {
  if (graceMs <= 0 || !server.listening) return
  // net.Server's close, not http.Server's: the latter also closes the idle connections now.
  net.Server.prototype.close.call(server)
  const deadline = Date.now() + graceMs
  const open = () => new Promise<number>((resolve) => server.getConnections((err, n) => resolve(err ? 0 : n)))
  while (Date.now() < deadline && (await open()) > 0) await new Promise((r) => setTimeout(r, 50))
}
