import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { clonePgDatabase } from './databases.js'
import { freePort } from './ports.js'
import { uniqueBusNames } from './rabbitmq.js'
import { servers } from './servers.js'

const run = promisify(execFile)
type Scope = { after: (fn: () => Promise<void>) => void }

export interface Topology {
  /** https://localhost:<nginx port> */
  base: string
  /** The self-signed certificate prod:start made: the tests trust exactly it. */
  ca: Buffer
  nginxPort: number
  env: Record<string, string>
  databaseUrl: string
  /** Runs the project's PM2 against this topology's PM2_HOME. */
  pm2(...args: string[]): Promise<string>
  /** Runs scripts/prod.ts with this topology's environment. */
  prod(command: string): Promise<{ code: number; stdout: string; stderr: string }>
}

/** Runs `tsx scripts/prod.ts <command>` with exactly this environment (plus PATH and HOME). */
export async function runProd(command: string, env: Record<string, string>, timeoutMs = 300_000) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/prod.ts', command], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      timeout: timeoutMs,
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

/**
 * The production topology as `npm run prod:start` brings it up (build, PM2 cluster
 * apps, nginx with TLS), on ports from the kernel, with its own state directory,
 * on the shared test servers: a fresh database cloned from the template, its own
 * Redis key prefix, exchange and queue prefix. Stopped with `prod:stop` when the scope ends.
 */
export async function startTopology(scope: Scope, options: { instances: Record<string, number>; env?: Record<string, string> }): Promise<Topology> {
  const databaseUrl = await clonePgDatabase(scope)
  const bus = uniqueBusNames(scope)
  // Under npm test's directory for them (scripts/test.sh stops what a timed-out test left running).
  const prodDir = mkdtempSync(path.join(process.env.EMPORIUM_PROD_TMP ?? tmpdir(), 'emporium-prod-'))
  // nginx's workers run as www-data when the master is root: they must reach the cache directory.
  chmodSync(prodDir, 0o755)
  const base: Record<string, string> = {
    PROD_DIR: prodDir,
    PROD_ENV_FILE: path.join(prodDir, 'none.env'),
    DATABASE_URL: databaseUrl,
    REDIS_URL: servers.redisUrl,
    REDIS_KEY_PREFIX: `prod${randomBytes(4).toString('hex')}:`,
    INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
    ...bus.env,
    LOG_LEVEL: 'warn',
    // npm test builds dist/ once for every topology (scripts/test.sh); a file run alone builds its own.
    ...(process.env.PROD_SKIP_BUILD ? { PROD_SKIP_BUILD: '1' } : {}),
    ...Object.fromEntries(Object.entries(options.instances).map(([s, n]) => [`${s.toUpperCase()}_INSTANCES`, String(n)])),
    ...options.env,
  }
  let stopEnv: Record<string, string> | undefined
  scope.after(async () => {
    if (stopEnv) {
      const stopped = await runProd('stop', stopEnv, 120_000)
      if (stopped.code !== 0) console.error(`prod:stop failed: ${stopped.stderr}`)
    }
    // EMPORIUM_KEEP_PROD_DIR=1 keeps the logs (PM2 apps, nginx access and error log) to read after a failure.
    if (process.env.EMPORIUM_KEEP_PROD_DIR) console.log(`production state and logs kept in ${prodDir}`)
    else rmSync(prodDir, { recursive: true, force: true })
  })
  // A port the kernel gave us can be taken before the servers bind it: try again with new ones.
  for (let attempt = 1; ; attempt++) {
    const ports = await Promise.all(['NGINX', 'PRODUCT', 'CART', 'ORDER', 'AUTH', 'NOTIFICATION', 'STOREFRONT'].map(async (n) => [`${n}_PORT`, String(await freePort())] as const))
    const env = { ...base, ...Object.fromEntries(ports) }
    stopEnv = env
    const started = await runProd('start', env)
    if (started.code === 0) {
      const nginxPort = Number(env.NGINX_PORT)
      return {
        base: `https://localhost:${nginxPort}`,
        ca: readFileSync(path.join(prodDir, 'nginx', 'tls', 'localhost.crt')),
        nginxPort,
        env,
        databaseUrl,
        pm2: async (...args) => (await run(path.resolve('node_modules/.bin/pm2'), args, { env: { ...process.env, PM2_HOME: path.join(prodDir, 'pm2') }, timeout: 180_000 })).stdout,
        prod: (command) => runProd(command, env),
      }
    }
    if (attempt === 3 || !/is in use/.test(started.stderr)) {
      throw new Error(`prod:start failed (${started.code}): ${started.stderr}\n${started.stdout}\n${logsOf(prodDir)}`)
    }
  }
}

/** The end of every app's log, for a start that failed. */
function logsOf(prodDir: string): string {
  const read = (file: string) => {
    try {
      return readFileSync(path.join(prodDir, 'log', file), 'utf8')
    } catch {
      return ''
    }
  }
  return ['product-service', 'cart-service', 'order-service', 'auth-service', 'notification-service', 'storefront']
    .map((app) => `--- ${app}\n${(read(`${app}.error.log`) + read(`${app}.log`)).slice(-1500)}`)
    .join('\n')
}
