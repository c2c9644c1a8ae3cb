import { execFileSync } from 'node:child_process'

/** What the benchmark scripts share: the real servers, and waiting for a server to answer. */

/** Starts PostgreSQL and Redis of scripts/servers.sh (if needed) and returns their URLs (TEST_DATABASE_URL, TEST_REDIS_URL, ...). */
export function serversEnv(): Record<string, string> {
  execFileSync('bash', ['scripts/servers.sh', 'start', 'pg', 'redis'], { stdio: 'inherit' })
  const out = execFileSync('bash', ['scripts/servers.sh', 'env'], { encoding: 'utf8' })
  return Object.fromEntries([...out.matchAll(/export (\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]))
}

/** Resolves once GET base/health answers 2xx; throws after timeoutMs. */
export async function waitForHealth(base: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    try {
      if ((await fetch(`${base}/health`)).ok) return
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`the server at ${base} did not start within ${timeoutMs} ms`)
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
