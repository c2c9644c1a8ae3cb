import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startMain, type Started } from './process.js'

type Scope = { after: (fn: () => Promise<void>) => void }

/** One service in its own process (`src/main.ts <service>`), as PM2 runs one instance of it. */
export interface ServiceProcess {
  name: string
  /** http://127.0.0.1:<port the kernel gave it> */
  url: string
  started: Started
  /** Its stdout and stderr (pino JSON lines), for assertions and failure messages. */
  output(): string
  /** SIGKILL, as a crash: nothing drains. */
  kill(): Promise<void>
}

/**
 * The settings every process of a test shares: production profile, silent
 * enough, a data directory and a Redis key prefix of its own, high per-client
 * limits (every request of a test comes from 127.0.0.1), small pools.
 */
export async function apartEnv(scope: Scope, env: Record<string, string>): Promise<Record<string, string>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'emporium-apart-'))
  scope.after(() => rm(dataDir, { recursive: true, force: true }))
  return {
    PROFILE: 'production',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    SEED_DEMO_PRODUCTS: '0',
    REDIS_KEY_PREFIX: `apart${randomBytes(4).toString('hex')}:`,
    INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
    ...Object.fromEntries(['PRODUCT', 'CART', 'ORDER', 'AUTH'].map((s) => [`${s}_RATE_LIMIT_MAX`, '1000000'])),
    ...Object.fromEntries(['PRODUCT', 'CART', 'ORDER', 'AUTH', 'NOTIFICATION'].flatMap((s) => [[`${s}_DB_POOL_MAX`, '4'], [`${s}_DB_POOL_MIN`, '0']])),
    ...env,
  }
}

/**
 * Starts one service on a port from the kernel and waits until it told its
 * parent it is ready (PM2's wait_ready message) and logged where it listens.
 * Stopped (SIGKILL) when the scope ends; a start that fails shows its output.
 */
export async function startService(scope: Scope, name: string, env: Record<string, string>, timeoutMs = 90_000): Promise<ServiceProcess> {
  const started = startMain([name], { ...env, HOST: '127.0.0.1', PORT: '0' })
  const output = () => started.stdout() + started.stderr()
  const kill = async () => {
    if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL')
    await started.exited
  }
  scope.after(kill)
  const deadline = Date.now() + timeoutMs
  let port: number | undefined
  while (port === undefined) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) {
      throw new Error(`the ${name} service exited (${started.child.exitCode ?? started.child.signalCode}) while starting:\n${output().slice(-3000)}`)
    }
    if (Date.now() > deadline) throw new Error(`the ${name} service did not start within ${timeoutMs} ms:\n${output().slice(-3000)}`)
    const listening = /Emporium listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(started.stdout())
    if (started.messages.includes('ready') && listening) port = Number(listening[1])
    else await new Promise((r) => setTimeout(r, 50))
  }
  return { name, url: `http://127.0.0.1:${port}`, started, output, kill }
}

/** A service process that must refuse to start: its exit code and the lines it wrote to stderr. */
export async function refusedStart(name: string, env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; lines: string[] }> {
  const started = startMain([name], { ...env, HOST: '127.0.0.1', PORT: '0' })
  let timer: NodeJS.Timeout | undefined
  const code = await Promise.race([started.exited, new Promise<'running'>((r) => (timer = setTimeout(() => r('running'), timeoutMs)))])
  clearTimeout(timer)
  if (code === 'running') {
    started.child.kill('SIGKILL')
    throw new Error(`the ${name} service did not stop within ${timeoutMs} ms:\n${started.stdout().slice(-2000)}`)
  }
  return { code, lines: started.stderr().trim().split('\n').filter(Boolean) }
}

/** JSON over HTTP to one service, with the status and headers. */
export async function call(base: string, method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...options.headers, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    signal: AbortSignal.timeout(60_000),
  })
  const text = await res.text()
  let json: any
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}
