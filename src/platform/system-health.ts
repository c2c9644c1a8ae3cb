import { ConfigError } from './config.js'
import type { App } from './server.js'

/**
 * GET /health/system: the whole topology's readiness in one answer, for nginx's
 * public /health. Each service's health route is asked directly (one instance
 * each, 2 s at most); 200 when every one is ready ('ok', or 'degraded': serving
 * without an optional dependency). Only statuses are shown, never a service's error text.
 */
export function parseHealthUrls(list: string): Record<string, string> {
  return Object.fromEntries(
    list
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const i = entry.indexOf('=')
        if (i < 1 || !/^https?:\/\//.test(entry.slice(i + 1))) throw new ConfigError([`SYSTEM_HEALTH_URLS entry '${entry}' is not name=http(s)://...`])
        return [entry.slice(0, i), entry.slice(i + 1)]
      }),
  )
}

export function registerSystemHealth(app: App, urls: Record<string, string>, timeoutMs = 2000): void {
  app.get('/health/system', { schema: { hide: true } }, async (_req, reply) => {
    const entries = await Promise.all(
      Object.entries(urls).map(async ([name, url]) => {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
          const body = (await res.json().catch(() => undefined)) as { status?: unknown } | undefined
          // A service that serves without an optional dependency says 'degraded' with its 200.
          if (res.status === 200) return [name, body?.status === 'degraded' ? 'degraded' : 'ok'] as const
          return [name, `down (${res.status})`] as const
        } catch {
          return [name, 'unreachable'] as const
        }
      }),
    )
    const ready = entries.every(([, state]) => state === 'ok' || state === 'degraded')
    const status = !ready ? 'unavailable' : entries.every(([, state]) => state === 'ok') ? 'ok' : 'degraded'
    reply.code(ready ? 200 : 503).header('cache-control', 'no-store')
    return { status, services: Object.fromEntries(entries) }
  })
}
