import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'

/** One dependency readiness looks at. required: not ready without it; else ready and 'degraded'. */
export interface ReadinessCheck {
  name: string
  required: boolean
  check(): Promise<void>
}

export interface Readiness {
  status: 'ok' | 'degraded' | 'unavailable' | 'draining'
  ready: boolean
  /** Each check's state, with the error text of those that failed. */
  checks: Record<string, string>
}

const CHECK_TIMEOUT_MS = 2000

/**
 * Readiness from what the service needs to serve: 'ok' (200) when every check
 * passes, 'degraded' (200) when only optional ones fail (product without Redis
 * serves from PostgreSQL), 'unavailable' (503) when a required one fails,
 * 'draining' (503) while stopping. A check's state change is logged once, with
 * its error, so the log says why without anyone polling for it.
 */
export function createReadiness(checks: readonly ReadinessCheck[], log: Logger, isDraining: () => boolean) {
  const last = new Map<string, string>()
  return async (): Promise<Readiness> => {
    const states = await Promise.all(
      checks.map(async (c) => {
        try {
          await withTimeout(c.check(), CHECK_TIMEOUT_MS)
          return [c, 'ok'] as const
        } catch (err) {
          return [c, `down: ${(err as Error).message}`] as const
        }
      }),
    )
    for (const [c, state] of states) {
      const before = last.get(c.name)
      if (before === state || (before?.startsWith('down') && state.startsWith('down'))) continue
      last.set(c.name, state)
      if (state === 'ok') {
        if (before) log.info({ dependency: c.name }, 'dependency is back')
      } else log[c.required ? 'error' : 'warn']({ dependency: c.name, required: c.required, err: state.slice(6) }, 'dependency is down')
    }
    const requiredDown = states.some(([c, s]) => c.required && s !== 'ok')
    const optionalDown = states.some(([c, s]) => !c.required && s !== 'ok')
    const status = isDraining() ? 'draining' : requiredDown ? 'unavailable' : optionalDown ? 'degraded' : 'ok'
    return { status, ready: status === 'ok' || status === 'degraded', checks: Object.fromEntries(states.map(([c, s]) => [c.name, s])) }
  }
}

/**
 * The health answer: to the public only the status; the checks with their
 * error text only to a caller on this machine (req.ip after TRUST_PROXY, so
 * nginx's clients are not "local"): an operator with curl, prod:status, the
 * other services. Everything else is in the log.
 */
export async function healthAnswer(readiness: () => Promise<Readiness>, service: string, req: FastifyRequest, reply: FastifyReply) {
  const r = await readiness()
  reply.code(r.ready ? 200 : 503).header('cache-control', 'no-store')
  return isLoopback(req.ip) ? { status: r.status, service, checks: r.checks } : { status: r.status, service }
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.')
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}
