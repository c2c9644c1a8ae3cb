import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { openSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'

/** What the benchmark scripts share: the real servers, server processes, ab, medians, RSS and load. */

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

export interface BenchProcess {
  name: string
  child: ChildProcess
  base: string
  /** Resident memory of the process now, MiB. */
  rss(): number
  stop(): Promise<void>
}

/**
 * Runs `node --import tsx <script>` with the given environment (PORT=0: the
 * kernel picks a free port) and waits for it to send { port } over IPC, then
 * for its /health. Its stdout (the log, at the level it runs with) goes to logFile.
 */
export async function startProcess(name: string, script: string, env: Record<string, string>, logFile: string, nodeArgs: string[] = []): Promise<BenchProcess> {
  const log = openSync(logFile, 'a')
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', log, 'inherit', 'ipc'],
  })
  const exited = once(child, 'exit')
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not report its port within 120 s`)), 120_000)
      child.on('message', (m: { port?: number }) => {
        if (typeof m === 'object' && m && typeof m.port === 'number') {
          clearTimeout(timer)
          resolve(m.port)
        }
      })
      void exited.then(([code]) => reject(new Error(`${name} exited with ${code} before listening (log: ${logFile})`)))
    })
    const base = `http://127.0.0.1:${port}`
    await waitForHealth(base, 60_000)
    return {
      name,
      child,
      base,
      rss: () => rssMiB(child.pid!),
      async stop() {
        if (child.exitCode !== null) return
        child.kill('SIGTERM')
        await exited
      },
    }
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
}

/** VmRSS of a process in MiB (Linux), NaN when it is gone. */
export function rssMiB(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb ? Math.round(Number(kb) / 1024) : NaN
  } catch {
    return NaN
  }
}

/** CPU time (user + system) a process has used so far, ms (Linux, 100 ticks a second). */
export function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(f[11]) + Number(f[12])) * 10
  } catch {
    return NaN
  }
}

/** The pid of the redis-server listening on this port, if it runs on this machine. */
export function redisPid(port: string): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8')
      if (cmd.startsWith('redis-server') && cmd.includes(`:${port}`)) return Number(d)
    } catch {
      // gone
    }
  }
  return undefined
}

/** The 1-, 5- and 15-minute load averages, formatted. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')
}

export interface AbResult {
  /** CPU µs per request of the processes measured (cpuOf), by name. */
  cpuUs?: Record<string, number>
  rps: number
  p50: number
  p99: number
  failed: number
  non2xx: number
  complete: number
}

/** ApacheBench with keep-alive: the lightest load generator on this machine. */
export function ab(url: string, n: number, c: number, headers: string[] = []): AbResult {
  const out = execFileSync('ab', ['-k', '-q', '-c', String(c), '-n', String(n), ...headers.flatMap((h) => ['-H', h]), url], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN)
  return {
    rps: num(/Requests per second:\s+([\d.]+)/),
    p50: num(/^\s+50%\s+(\d+)/m),
    p99: num(/^\s+99%\s+(\d+)/m),
    failed: num(/Failed requests:\s+(\d+)/),
    non2xx: Number(/Non-2xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    complete: num(/Complete requests:\s+(\d+)/),
  }
}

/** ab, measuring the CPU (ms, from cpuMs or pgCpuMs) each reader reports before and after: per request, less sensitive to a busy machine than req/s. */
export function abWithCpu(url: string, n: number, c: number, readers: Record<string, (() => number) | undefined>, headers: string[] = []): AbResult {
  const before = Object.fromEntries(Object.entries(readers).map(([k, read]) => [k, read ? read() : NaN]))
  const res = ab(url, n, c, headers)
  res.cpuUs = Object.fromEntries(Object.entries(readers).map(([k, read]) => [k, read ? Math.round(((read() - before[k]!) * 1000) / n) : NaN]))
  return res
}

/** CPU time of every PostgreSQL backend serving this database, ms. */
export function pgCpuMs(database: string): number {
  let total = 0
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').startsWith(`postgres: postgres ${database} `)) total += cpuMs(Number(d)) || 0
    } catch {
      // gone
    }
  }
  return total
}

/** Throws unless every request of the run answered 2xx. */
export function checkAb(label: string, r: AbResult, n: number) {
  if (r.failed || r.non2xx || r.complete !== n) throw new Error(`${label}: ${r.failed} failed, ${r.non2xx} non-2xx, ${r.complete}/${n} complete`)
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
