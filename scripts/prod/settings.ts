import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Topology } from '../../deploy/topology.cjs'
import { ConfigError } from '../../src/platform/config.js'
import { loadServiceConfig } from '../../src/platform/service.js'
import { newKeySeed } from '../../src/services/auth/keys.js'
import { selectServices } from '../../src/services/registry.js'
import { loadStorefrontConfig, storefrontProductionProblems } from '../../src/storefront/config.js'

const require = createRequire(import.meta.url)
const { resolveTopology, TopologyError } = require('../../deploy/topology.cjs') as typeof import('../../deploy/topology.cjs')

export const ROOT = path.resolve(import.meta.dirname, '../..')

/** A problem the operator must fix: printed as one line, nothing (more) started. */
export class ProdError extends Error {}

/** Ports of the servers prod:start runs itself when no URL is given: away from the tests' (55432, 56379, 56720) and rabbitmqctl's 35672-35682. */
export const LOCAL_SERVER_DEFAULTS = { PROD_PG_PORT: 15432, PROD_REDIS_PORT: 16379, PROD_AMQP_PORT: 16720, PROD_AMQP_DIST_PORT: 26730 }
export type ServerName = 'pg' | 'redis' | 'rabbitmq'

export interface ProdSettings {
  env: Record<string, string>
  topology: Topology
  dirs: { state: string; pm2: string; logs: string; nginx: string; servers: string; data: string }
  /** Servers without a URL: prod:start runs them (scripts/servers.sh) with these ports. */
  localServers: ServerName[]
  localPorts: Record<keyof typeof LOCAL_SERVER_DEFAULTS, number>
  tls: { cert: string; key: string; generated: boolean }
  connPerIp: number
  /** Pool max x instances per service, and their sum. */
  pools: { service: string; poolMax: number; instances: number; connections: number }[]
  generatedSecrets: string[]
}

const URL_OF: Record<ServerName, string> = { pg: 'DATABASE_URL', redis: 'REDIS_URL', rabbitmq: 'AMQP_URL' }

/**
 * Everything prod:start/stop/status need, from the environment (and .env.production
 * when present), validated before anything starts: one ProdError naming every bad variable.
 */
export function loadSettings(options: { forStart: boolean } = { forStart: false }): ProdSettings {
  const envFile = process.env.PROD_ENV_FILE ?? path.join(ROOT, '.env.production')
  if (existsSync(envFile)) process.loadEnvFile(envFile)
  const state = path.resolve(ROOT, process.env.PROD_DIR || 'var')
  const dirs = {
    state,
    pm2: path.join(state, 'pm2'),
    logs: path.join(state, 'log'),
    nginx: path.join(state, 'nginx'),
    servers: path.join(state, 'servers'),
    data: path.join(state, 'data'),
  }
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''))
  env.PROD_DIR = state
  env.DATA_DIR ??= dirs.data
  const problems: string[] = []
  let topology: Topology | undefined
  try {
    topology = resolveTopology(env)
  } catch (err) {
    if (!(err instanceof TopologyError)) throw err
    problems.push(err.message)
  }
  const localPorts = { ...LOCAL_SERVER_DEFAULTS }
  for (const name of Object.keys(localPorts) as (keyof typeof LOCAL_SERVER_DEFAULTS)[]) {
    const raw = env[name]
    if (raw === undefined) continue
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) problems.push(`${name} must be a port number (1-65535), got '${raw}'`)
    else localPorts[name] = Number(raw)
  }
  const connPerIp = Number(env.NGINX_CONN_PER_IP ?? 20)
  if (!Number.isInteger(connPerIp) || connPerIp < 1) problems.push(`NGINX_CONN_PER_IP must be a positive integer, got '${env.NGINX_CONN_PER_IP}'`)
  if (Boolean(env.TLS_CERT) !== Boolean(env.TLS_KEY)) problems.push('TLS_CERT and TLS_KEY go together: set both or neither')
  for (const name of ['TLS_CERT', 'TLS_KEY'] as const) {
    if (env[name] && !existsSync(env[name])) problems.push(`${name} names a file that does not exist: ${env[name]}`)
  }
  const localServers = (Object.keys(URL_OF) as ServerName[]).filter((s) => !env[URL_OF[s]])
  const generatedSecrets = options.forStart && problems.length === 0 ? ensureSecrets(env, state) : []

  // Each service's own settings, as its processes will see them: a typo stops the start here.
  const pools: ProdSettings['pools'] = []
  if (topology) {
    const placeholders = { DATABASE_URL: 'postgres://placeholder/db', REDIS_URL: 'redis://placeholder', AMQP_URL: 'amqp://placeholder' }
    for (const s of topology.services) {
      const serviceEnv = { ...placeholders, JWT_SECRET: newKeySeed(), INTERNAL_API_TOKEN: 'x'.repeat(32), STOREFRONT_COOKIE_SECRET: 'x'.repeat(32), ...env, ...topology.sharedEnv, INSTANCES: String(s.instances) }
      try {
        if (s.service === 'storefront') {
          // No database of its own: its settings are checked, it adds no pool.
          loadStorefrontSettings(serviceEnv)
          continue
        }
        const services = selectServices(s.service)
        const poolMax = services[0]!.pool(loadServiceConfig(services, serviceEnv)).max
        pools.push({ service: s.service, poolMax, instances: s.instances, connections: poolMax * s.instances })
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err
        problems.push(`${s.app}: ${err.problems.join('; ')}`)
      }
    }
  }
  if (problems.length) throw new ProdError(`invalid configuration: ${[...new Set(problems)].join('; ')}`)
  const tls = env.TLS_CERT
    ? { cert: path.resolve(env.TLS_CERT), key: path.resolve(env.TLS_KEY!), generated: false }
    : { cert: path.join(dirs.nginx, 'tls', 'localhost.crt'), key: path.join(dirs.nginx, 'tls', 'localhost.key'), generated: true }
  return { env, topology: topology!, dirs, localServers, localPorts, tls, connPerIp, pools, generatedSecrets }
}

function loadStorefrontSettings(env: Record<string, string>): void {
  loadStorefrontConfig(env)
  const problems = storefrontProductionProblems(env)
  if (problems.length) throw new ConfigError(problems)
}

/**
 * JWT_SECRET, INTERNAL_API_TOKEN, CURSOR_SECRET, METRICS_TOKEN and STOREFRONT_COOKIE_SECRET must be the same in every instance. When the
 * operator gives none, they are made once and kept in <PROD_DIR>/secrets.env (0600).
 */
function ensureSecrets(env: Record<string, string>, state: string): string[] {
  const file = path.join(state, 'secrets.env')
  const kept = keptSecrets(state)
  const made: string[] = []
  const wanted: Record<string, () => string> = { JWT_SECRET: newKeySeed, INTERNAL_API_TOKEN: () => randomBytes(32).toString('base64url'), CURSOR_SECRET: () => randomBytes(32).toString('base64url'), METRICS_TOKEN: () => randomBytes(32).toString('base64url'), STOREFRONT_COOKIE_SECRET: () => randomBytes(32).toString('base64url') }
  for (const [name, make] of Object.entries(wanted)) {
    if (env[name]) continue
    if (!kept[name]) {
      kept[name] = make()
      made.push(name)
    }
    env[name] = kept[name]!
  }
  if (made.length) {
    mkdirSync(state, { recursive: true })
    writeFileSync(file, Object.entries(kept).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 })
    chmodSync(file, 0o600)
  }
  return made
}

/** The secrets prod:start made and kept under PROD_DIR (for tools that talk to the running topology, e.g. the load test's /metrics). */
export function keptSecrets(state: string): Record<string, string> {
  const file = path.join(state, 'secrets.env')
  return existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {}
}

function parseEnvFile(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').flatMap((line) => (/^[A-Z_]+=/.test(line) ? [[line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]] : [])))
}
